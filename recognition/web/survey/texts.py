"""Fixed strings of the survey pages (the questionnaire's own wording is in
:mod:`recognition.questionnaire.texts`), in English and German with the same keys and placeholders."""

from __future__ import annotations

from recognition.labels import phrase

_EN: dict[str, str] = {
    "title": "Survey",
    "intro.heading": "Welcome to our short survey",
    "intro.body": "We would like to know which brands of {category} you know and what you think of them. "
    "It takes about 5 to 10 minutes.",
    "intro.anonymous": "Your answers are anonymous: we do not ask for your name or contact details, we do not "
    "store your IP address or device details, and your answers are only ever reported as "
    "totals over many people.",
    "intro.cookie": "This site uses a single session cookie so that you can continue where you left off. It is "
    "deleted when you close your browser.",
    "intro.operator": "This survey is carried out by {operator}.",
    "intro.purpose": "Your answers are used for market research only: together with many other people's answers "
    "they show how well brands of {category} are known and how they are seen. They are not used to sell to you "
    "or to contact you.",
    "intro.voluntary": "Taking part is voluntary. You can stop at any time by closing this page; answers you have "
    "not finished are not counted.",
    "intro.policy": "Privacy notice",
    "intro.start": "Start the survey",
    "intro.decline": "I do not want to take part",
    "next": "Next",
    "finish": "Finish",
    "progress": "Step {step} of {total}",
    "box_first": "Brand 1 (the first that comes to mind)",
    "box": "Brand {number}",
    "box_comment": "Your comment",
    "errors.heading": "Please check your answers",
    "required": "required",
    "locked": "Your answer to an earlier question has been saved and can no longer be changed. "
    "Please continue with the question below.",
    "msg.invalid.heading": "This link is not valid",
    "msg.invalid.body": "The survey link could not be verified. Please open the survey again from the invitation "
    "of your panel, without changing the link.",
    "msg.expired.heading": "This link has expired",
    "msg.expired.body": "The survey link is no longer valid. Thank you for your interest.",
    "msg.closed.heading": "This survey is closed",
    "msg.closed.body": "The survey is not open at the moment. Thank you for your interest.",
    "msg.done.heading": "You have already taken part",
    "msg.done.body": "Our records show that you have already finished this survey. Thank you!",
    "msg.nosession.heading": "We could not find your survey",
    "msg.nosession.body": "Please open the survey again from the invitation of your panel; you will continue "
    "where you left off. Cookies must be allowed for this site.",
    "msg.test.heading": "Test finished",
    "msg.test.body": "This was a test run of the survey: your answers are kept as a test and never counted.",
    "msg.staff.heading": "Thank you",
    "msg.staff.body": "Your answers are saved anonymously. They are compared, as a whole, with what customers say, "
    "and are never counted as customers' answers.",
    "staff.frame": "Staff survey: please answer as you believe our customers would answer, not with your own "
    "opinion.",
    "msg.notfound.heading": "Page not found",
    "msg.notfound.body": "There is no survey at this address.",
    "msg.unavailable.heading": "One moment, please",
    "msg.unavailable.body": "Your panel could not confirm your survey link just now. Please reload this page in a "
    "few seconds; your link is kept.",
    "msg.throttled.heading": "Too many invalid links",
    "msg.throttled.body": "Too many survey links that could not be verified came from here. Please wait a minute "
    "and open the survey again from the invitation of your panel.",
}

_DE: dict[str, str] = {
    "title": "Umfrage",
    "intro.heading": "Willkommen zu unserer kurzen Umfrage",
    "intro.body": "Wir möchten wissen, welche Marken für {category} Sie kennen und was Sie von ihnen halten. "
    "Die Umfrage dauert etwa 5 bis 10 Minuten.",
    "intro.anonymous": "Ihre Antworten sind anonym: Wir fragen weder nach Ihrem Namen noch nach Kontaktdaten, "
    "speichern weder Ihre IP-Adresse noch Angaben zu Ihrem Gerät, und Ihre Antworten werden "
    "nur als Summen über viele Personen ausgewertet.",
    "intro.cookie": "Diese Seite verwendet ein einziges Sitzungs-Cookie, damit Sie dort weitermachen können, wo "
    "Sie aufgehört haben. Es wird gelöscht, wenn Sie den Browser schließen.",
    "intro.operator": "Verantwortlich für diese Umfrage: {operator}.",
    "intro.purpose": "Ihre Antworten dienen ausschließlich der Marktforschung: Zusammen mit den Antworten vieler "
    "anderer zeigen sie, wie bekannt Marken für {category} sind und wie sie gesehen werden. Sie werden weder "
    "für Werbung an Sie noch für eine Kontaktaufnahme verwendet.",
    "intro.voluntary": "Die Teilnahme ist freiwillig. Sie können jederzeit aufhören, indem Sie diese Seite "
    "schließen; nicht abgeschlossene Antworten werden nicht gezählt.",
    "intro.policy": "Datenschutzhinweise",
    "intro.start": "Umfrage beginnen",
    "intro.decline": "Ich möchte nicht teilnehmen",
    "next": "Weiter",
    "finish": "Abschließen",
    "progress": "Schritt {step} von {total}",
    "box_first": "Marke 1 (die erste, die Ihnen einfällt)",
    "box": "Marke {number}",
    "box_comment": "Ihr Kommentar",
    "errors.heading": "Bitte prüfen Sie Ihre Antworten",
    "required": "Pflichtfeld",
    "locked": "Ihre Antwort auf eine frühere Frage ist gespeichert und kann nicht mehr geändert werden. "
    "Bitte fahren Sie mit der folgenden Frage fort.",
    "msg.invalid.heading": "Dieser Link ist ungültig",
    "msg.invalid.body": "Der Umfrage-Link konnte nicht geprüft werden. Bitte öffnen Sie die Umfrage erneut über "
    "die Einladung Ihres Panels, ohne den Link zu verändern.",
    "msg.expired.heading": "Dieser Link ist abgelaufen",
    "msg.expired.body": "Der Umfrage-Link ist nicht mehr gültig. Vielen Dank für Ihr Interesse.",
    "msg.closed.heading": "Diese Umfrage ist geschlossen",
    "msg.closed.body": "Die Umfrage ist derzeit nicht geöffnet. Vielen Dank für Ihr Interesse.",
    "msg.test.heading": "Test beendet",
    "msg.test.body": "Dies war ein Testlauf der Umfrage: Ihre Antworten werden als Test gespeichert und nie "
    "mitgezählt.",
    "msg.done.heading": "Sie haben bereits teilgenommen",
    "msg.done.body": "Sie haben diese Umfrage bereits abgeschlossen. Vielen Dank!",
    "msg.nosession.heading": "Wir konnten Ihre Umfrage nicht finden",
    "msg.nosession.body": "Bitte öffnen Sie die Umfrage erneut über die Einladung Ihres Panels; Sie machen dort "
    "weiter, wo Sie aufgehört haben. Cookies müssen für diese Seite erlaubt sein.",
    "msg.staff.heading": "Vielen Dank",
    "msg.staff.body": "Ihre Antworten sind anonym gespeichert. Sie werden insgesamt mit dem verglichen, was "
    "Kundinnen und Kunden sagen, und nie als deren Antworten gezählt.",
    "staff.frame": "Mitarbeiterbefragung: Bitte antworten Sie so, wie unsere Kundinnen und Kunden Ihrer "
    "Einschätzung nach antworten würden, nicht mit Ihrer eigenen Meinung.",
    "msg.notfound.heading": "Seite nicht gefunden",
    "msg.notfound.body": "Unter dieser Adresse gibt es keine Umfrage.",
    "msg.unavailable.heading": "Einen Moment, bitte",
    "msg.unavailable.body": "Ihr Panel konnte Ihren Umfrage-Link gerade nicht bestätigen. Bitte laden Sie diese "
    "Seite in einigen Sekunden neu; Ihr Link bleibt gültig.",
    "msg.throttled.heading": "Zu viele ungültige Links",
    "msg.throttled.body": "Von hier kamen zu viele Umfrage-Links, die nicht geprüft werden konnten. Bitte warten Sie "
    "eine Minute und öffnen Sie die Umfrage dann erneut über die Einladung Ihres Panels.",
}

TEXTS: dict[str, dict[str, str]] = {"en": _EN, "de": _DE}


def t(language: str, key: str, **params: object) -> str:
    """The page string ``key`` in ``language`` (English when the language is unknown)."""
    return phrase(TEXTS, language, key, **params)
