// Narrow screens: a data table wider than its page becomes stacked cards (each cell
// labelled with its column header), and the visit tabs scroll to the current one.
// The stylesheet stacks every data table on a phone even without this script.

function labelCells(table) {
  const headers = [];
  const head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
  if (!head) return;
  for (const th of head.cells) {
    const span = th.colSpan || 1;
    for (let i = 0; i < span; i += 1) headers.push(th.textContent.trim());
  }
  for (const body of table.tBodies) {
    for (const row of body.rows) {
      let column = 0;
      for (const cell of row.cells) {
        // A cell across several columns (details under a row) belongs to none of them.
        if (!cell.hasAttribute("data-label") && headers[column] && (cell.colSpan || 1) === 1) {
          cell.setAttribute("data-label", headers[column]);
        }
        column += cell.colSpan || 1;
      }
    }
  }
}

function fit() {
  for (const table of document.querySelectorAll("table.data")) {
    table.classList.remove("stacked");
    const parent = table.parentElement;
    const style = getComputedStyle(parent);
    const room =
      parent.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const page = document.documentElement.clientWidth;
    if (table.offsetWidth > room + 1 || table.getBoundingClientRect().right > page) {
      table.classList.add("stacked");
    }
  }
}

for (const table of document.querySelectorAll("table.data")) labelCells(table);
fit();
let pending = null;
window.addEventListener("resize", () => {
  if (pending) cancelAnimationFrame(pending);
  pending = requestAnimationFrame(fit);
});
const current = document.querySelector("nav.tabs a.current");
if (current && current.parentElement.scrollWidth > current.parentElement.clientWidth) {
  current.parentElement.scrollLeft = current.offsetLeft - 16;
}
