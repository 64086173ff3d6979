"""What changed between two versions of an instrument."""

from dataclasses import dataclass, field
from typing import Any

from kuzet.instruments.schema import walk


@dataclass
class VersionDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)  # name, changed keys
    moved: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.moved)


def version_diff(old: dict[str, Any], new: dict[str, Any]) -> VersionDiff:
    """Questions, repeats and sections added, removed, changed (which keys) or moved."""
    before = {n.item["name"]: n for n in walk(old)}
    after = {n.item["name"]: n for n in walk(new)}
    diff = VersionDiff()
    diff.added = [name for name in after if name not in before]
    diff.removed = [name for name in before if name not in after]
    for name, node in after.items():
        if name not in before:
            continue
        a, b = before[name].item, node.item
        keys = sorted(k for k in set(a) | set(b) if k != "items" and a.get(k) != b.get(k))
        if keys:
            diff.changed.append((name, keys))
        elif before[name].repeat != node.repeat:
            diff.moved.append(name)
    old_lists, new_lists = old.get("choice_lists", {}), new.get("choice_lists", {})
    for list_name in sorted(set(old_lists) | set(new_lists)):
        if old_lists.get(list_name) != new_lists.get(list_name):
            diff.changed.append((f"choices: {list_name}", ["choices"]))
    return diff
