"""The texts of the field app, translated by Django into its shell page.

The JavaScript modules (``static/field/*.js``) look texts up by their English source
(``t("…")`` in ui.js), so that a message the tablet shows is the server's message, in the
same words and the same translation. A test checks that every ``t("…")`` and every form
label of the modules has its entry here.
"""

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

# The languages the app can be switched to, offline: the shell carries all their texts.
LANGUAGES = ("ru", "kk", "en")

TEXTS = [
    gettext_noop("The appeal may be shown to:"),
    gettext_noop("%(n)s interrupted recordings were recovered from their stored pieces."),
    gettext_noop("A video appeal is recorded only with the person's consent."),
    gettext_noop("Audio"),
    gettext_noop(
        "Before recording: the person agrees to be recorded and says who may see the appeal."
    ),
    gettext_noop("Consents to being recorded"),
    gettext_noop(
        "Everything you record is encrypted on this tablet with a key protected by this passphrase. Without it nobody can read the records — not even you: there is no way to recover it, so remember it."
    ),
    gettext_noop(
        "Finalize? The record is sealed for the server and can no longer be read or changed on this tablet."
    ),
    gettext_noop("Link to"),
    gettext_noop("No photos or recordings on this tablet."),
    gettext_noop("Not enough free storage on this tablet to record. Sync and free space first."),
    gettext_noop("Photo"),
    gettext_noop("Photos and recordings"),
    gettext_noop("Recording: %(size)s stored"),
    gettext_noop("Recording…"),
    gettext_noop("Start the appeal recording"),
    gettext_noop("Stop"),
    gettext_noop(
        "Sync done: %(sent)s sent, %(conflicts)s in conflict, %(errors)s refused, %(waiting)s waiting."
    ),
    gettext_noop(
        "The offline package has not been downloaded yet. Connect to the network and sync."
    ),
    gettext_noop(
        "The package does not fit in the free storage of this tablet. Free some space first."
    ),
    gettext_noop("The photo is stored, encrypted, on this tablet."),
    gettext_noop("The recording is stored, encrypted, on this tablet (%(size)s)."),
    gettext_noop("Video"),
    gettext_noop("Video appeal"),
    gettext_noop(
        "Your sign-in on this tablet has ended (%(why)s). Your records are kept; sign in again to send them."
    ),
    gettext_noop("empty"),
    gettext_noop("ready"),
    gettext_noop("recording"),
    gettext_noop("the Commissioner"),
    gettext_noop("the NPM"),
    gettext_noop("the prosecutor"),
    gettext_noop("the public"),
    gettext_noop("the visit"),
    gettext_noop("uploaded"),
    gettext_noop("uploading"),
    gettext_noop("Checklists"),
    gettext_noop("Questionnaires of interviews"),
    gettext_noop("Interviews, findings, allegations, recommendations"),
    gettext_noop("A form is open. Its answers are saved; update now?"),
    gettext_noop("Choose a passphrase of at least 10 characters."),
    gettext_noop("The two passphrases differ."),
    gettext_noop("Preparing the encrypted storage…"),
    gettext_noop("Protect this tablet's data"),
    gettext_noop(
        "Everything you record is encrypted on this tablet with a key protected by this passphrase. Without it nobody can read the records — not even you: there is no way to recover it, so remember it."
    ),
    gettext_noop("Passphrase"),
    gettext_noop("The same passphrase again"),
    gettext_noop("Set the passphrase"),
    gettext_noop("Wrong passphrase. Nothing was changed."),
    gettext_noop("Kuzet is locked"),
    gettext_noop("Unlock"),
    gettext_noop("Locked after %(n)s minutes without use."),
    gettext_noop("Wait %(s)s seconds before the next try."),
    gettext_noop("After %(n)s wrong passphrases in a row the data on this tablet is erased."),
    gettext_noop("After %(n)s wrong passphrases the data on this tablet was erased."),
    gettext_noop("Wrong passphrases in a row: %(n)s of %(max)s."),
    gettext_noop(
        "The offline package has not been downloaded yet. Connect to the network and sync."
    ),
    gettext_noop("Signing in needs the network."),
    gettext_noop("Downloading the offline package…"),
    gettext_noop("Sign in to download your visits"),
    gettext_noop("Username"),
    gettext_noop("Password"),
    gettext_noop("Code from the authenticator app (if you use one)"),
    gettext_noop("Name of this tablet"),
    gettext_noop("Sign in"),
    gettext_noop("online"),
    gettext_noop("offline"),
    gettext_noop("package refreshed %(when)s"),
    gettext_noop("to send: %(n)s"),
    gettext_noop("storage %(used)s of %(quota)s"),
    gettext_noop("not protected from clean-up"),
    gettext_noop("Sync now"),
    gettext_noop("Lock"),
    gettext_noop("Storage on this tablet is running low: sync and free space."),
    gettext_noop(
        "Sync done: %(sent)s sent, %(conflicts)s in conflict, %(errors)s refused, %(waiting)s waiting."
    ),
    gettext_noop("No connection. Everything is kept on this tablet; try again later."),
    gettext_noop(
        "Your sign-in on this tablet has ended (%(why)s). Your records are kept; sign in again to send them."
    ),
    gettext_noop(
        "The package does not fit in the free storage of this tablet. Free some space first."
    ),
    gettext_noop("My visits"),
    gettext_noop("No visits are assigned to you."),
    gettext_noop("Preparation pack"),
    gettext_noop("Institution"),
    gettext_noop("Population / capacity"),
    gettext_noop("Objectives"),
    gettext_noop("Team"),
    gettext_noop("Earlier visits"),
    gettext_noop("none: a first visit"),
    gettext_noop("Open recommendations to verify on site"),
    gettext_noop("No open recommendations for this institution."),
    gettext_noop("Record"),
    gettext_noop("Drafts on this tablet"),
    gettext_noop("saved"),
    gettext_noop("No drafts."),
    gettext_noop("Finalized, waiting to be sent"),
    gettext_noop("conflict"),
    gettext_noop("Nothing waiting."),
    gettext_noop(
        "A finalized record is not changed on the tablet: the team corrects it on the web, "
        "on the visit's page, until the report is approved."
    ),
    gettext_noop("Time in %(zone)s (%(offset)s)."),
    gettext_noop("Checklist"),
    gettext_noop("Saved on this tablet"),
    gettext_noop("Draft saved on this tablet; not finalized: %(n)s to correct (listed above)."),
    gettext_noop("Saving…"),
    gettext_noop("for the interview"),
    gettext_noop("Delete this draft? It cannot be recovered."),
    gettext_noop("Delete the draft"),
    gettext_noop("Finalize"),
    gettext_noop("Before it can be finalized"),
    gettext_noop(
        "Finalize? The record is sealed for the server and can no longer be read or changed on this tablet."
    ),
    gettext_noop("Finalized: it will be sent at the next sync."),
    gettext_noop("To send"),
    gettext_noop("waiting"),
    gettext_noop("conflict: the server holds another version"),
    gettext_noop("%(n)s records confirmed by the server (kept as UUID and hash only)."),
    gettext_noop("required"),
    gettext_noop("Photos, recordings and documents are added in the Media tab."),
    gettext_noop("Remove this entry"),
    gettext_noop("Add another"),
    gettext_noop("unknown"),
    gettext_noop("yes"),
    gettext_noop("no"),
    gettext_noop("Type of interview"),
    gettext_noop("Conducted at"),
    gettext_noop("Why the time is outside the visit (only if it is)"),
    gettext_noop("Person's code"),
    gettext_noop("A pseudonym such as A-07; never a name."),
    gettext_noop("Full name (encrypted, seen only by the team and the secretariat)"),
    gettext_noop("Date of birth (encrypted)"),
    gettext_noop("Cell or room (encrypted)"),
    gettext_noop("Consents to the interview"),
    gettext_noop("May be quoted"),
    gettext_noop("May be identified"),
    gettext_noop("An allegation may be transmitted"),
    gettext_noop("Vulnerability categories"),
    gettext_noop("Fears reprisals"),
    gettext_noop("Risk of reprisals"),
    gettext_noop("Follow-up check on"),
    gettext_noop("Notes (encrypted)"),
    gettext_noop("Theme"),
    gettext_noop("Title"),
    gettext_noop("Description"),
    gettext_noop("The facts: what was seen or heard, where, how many, since when."),
    gettext_noop("Sources"),
    gettext_noop("This is a good practice"),
    gettext_noop("Severity"),
    gettext_noop("Obstacle to access"),
    gettext_noop("Interviews it rests on"),
    gettext_noop("Checklist items it describes"),
    gettext_noop("Every non-compliant item needs a finding that describes it."),
    gettext_noop("Why no recommendation (only if none will follow)"),
    gettext_noop("Person (code)"),
    gettext_noop("Kind"),
    gettext_noop("Date"),
    gettext_noop("Place"),
    gettext_noop("Circumstances (encrypted)"),
    gettext_noop("Alleged perpetrators"),
    gettext_noop("Methods"),
    gettext_noop("Injuries observed (encrypted)"),
    gettext_noop("Medical documentation exists"),
    gettext_noop("Witnesses (encrypted)"),
    gettext_noop("The person consents to transmission"),
    gettext_noop("Referral"),
    gettext_noop("Isolated or pattern"),
    gettext_noop("Recommendation (Russian)"),
    gettext_noop("Recommendation (Kazakh)"),
    gettext_noop("Addressee"),
    gettext_noop("Level"),
    gettext_noop("Priority"),
    gettext_noop("Deadline"),
    gettext_noop("Findings it answers"),
    gettext_noop("Give text."),
    gettext_noop("Give a whole number."),
    gettext_noop("Give a number."),
    gettext_noop("Give a date as YYYY-MM-DD."),
    gettext_noop("Give a time as HH:MM."),
    gettext_noop("Give a date and time as YYYY-MM-DDTHH:MM."),
    gettext_noop("Give a location as [latitude, longitude]."),
    gettext_noop("Choose one of the offered answers."),
    gettext_noop("Choose among the offered answers, each once."),
    gettext_noop("This question is required."),
    gettext_noop("The answer does not have the expected form."),
    gettext_noop("The answer is outside the allowed values."),
    gettext_noop("This field is required."),
    gettext_noop("An individual interview is with a coded person."),
    gettext_noop("Letters, digits and hyphens, up to 16."),
    gettext_noop("Without consent to the interview there is no other consent."),
    gettext_noop("A medium or high risk of reprisals needs a follow-up check date."),
    gettext_noop("Describe what was found in at least %(n)s words: facts, where, how many."),
    gettext_noop("Name at least one source, from the list."),
    gettext_noop("A good practice has no severity."),
    gettext_noop("Give the severity of the problem."),
    gettext_noop("An obstacle to access is a finding of the theme “access”."),
    gettext_noop("Name at least one method, from the list."),
    gettext_noop("Without the person's consent the allegation is not transmitted."),
    gettext_noop("No interview with this person records consent to transmit an allegation."),
    gettext_noop("Say what must be done, by whom and how, in at least %(n)s words."),
    gettext_noop("Write the recommendation in Russian or in Kazakh."),
    gettext_noop("Interview"),
    gettext_noop("Finding"),
    gettext_noop("Allegation"),
    gettext_noop("Recommendation"),
    gettext_noop("New interview"),
    gettext_noop("New finding"),
    gettext_noop("New allegation"),
    gettext_noop("New recommendation"),
    # Issue 14: drafts resumed, sections, dialogs, language, storage, the legal library.
    gettext_noop("%(done)s of %(n)s"),
    gettext_noop("%(done)s of %(n)s · errors: %(errors)s"),
    gettext_noop("A finalized record is corrected on the web, after it is sent."),
    gettext_noop("Available without the network."),
    gettext_noop("B"),
    gettext_noop("KB"),
    gettext_noop("MB"),
    gettext_noop("GB"),
    gettext_noop("Cancel"),
    gettext_noop("Confirm"),
    gettext_noop("Items not or partly compliant: %(n)s — each needs a finding."),
    gettext_noop("Keep editing"),
    gettext_noop("Keep it"),
    gettext_noop("Kuzet — field"),
    gettext_noop("field app"),
    gettext_noop("A new version of the app is ready."),
    gettext_noop("Update now"),
    gettext_noop("Language"),
    gettext_noop("Legal library"),
    gettext_noop("No norm matches."),
    gettext_noop("No text of this norm is in force on this date."),
    gettext_noop("Norms checked: %(codes)s"),
    gettext_noop("Norms found: %(n)s of %(total)s"),
    gettext_noop("Not stored yet: the draft is kept from the first answer."),
    gettext_noop("Official text, in force since %(date)s."),
    gettext_noop("One section at a time"),
    gettext_noop("Show all sections on one page"),
    gettext_noop("Section %(n)s of %(total)s"),
    gettext_noop("Sections"),
    gettext_noop("Protect"),
    gettext_noop("Search the norms"),
    gettext_noop("Words, code or article"),
    gettext_noop("Start another copy"),
    gettext_noop("continue the draft (saved %(when)s)"),
    gettext_noop("and %(n)s more drafts below"),
    gettext_noop("Summary, not the official text."),
    gettext_noop("Tablet"),
    gettext_noop("Texts in force on %(date)s, the date of the visit."),
    gettext_noop("Texts in force today, %(date)s."),
    gettext_noop(
        "The browser refused to protect the storage. Add Kuzet to the home screen (browser menu → “Install app” or “Add to Home screen”), open it from there and press “Protect” again. Until then sync after every visit: records the server has confirmed cannot be lost."
    ),
    gettext_noop("The storage is protected: the browser will not clear it to free space."),
    gettext_noop(
        "This browser cannot protect the storage from clean-up. Sync after every visit: records the server has confirmed cannot be lost."
    ),
    gettext_noop("art. %(article)s"),
]


def texts() -> dict[str, str]:
    """English source → text in the active language."""
    return {text: gettext(text) for text in TEXTS}


def all_texts() -> dict[str, dict[str, str]]:
    """Language → (English source → text): every language the app speaks."""
    catalogues = {}
    for language in LANGUAGES:
        with translation.override(language):
            catalogues[language] = texts()
    return catalogues
