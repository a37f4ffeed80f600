"""Words for pages and messages in the club's languages: Norwegian (nb), Danish (da), English.

``text(locale, key, **values)`` looks a phrase up (falling back to English) and fills in
``{placeholders}``. Add a language by adding a column to every phrase; a unit test checks
that no language misses one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

# The languages of pages and messages: a club's locale is one of these.
Locale = Literal["nb", "da", "en"]
LOCALES: tuple[Locale, ...] = ("nb", "da", "en")
FALLBACK: Locale = "en"


def supported(locale: str | None, default: Locale = FALLBACK) -> Locale:
    """``locale`` if it is one of ours, else ``default``."""
    return locale if locale in LOCALES else default  # type: ignore[return-value]

PHRASES: dict[str, dict[str, str]] = {
    # --- join page ---
    "join.title": {"nb": "Bli medlem i {club}", "da": "Bliv medlem af {club}", "en": "Join {club}"},
    "join.lead": {
        "nb": "Samle stempler og poeng. Det tar ti sekunder.",
        "da": "Saml stempler og point. Det tager ti sekunder.",
        "en": "Collect stamps and points. It takes ten seconds.",
    },
    "join.lead_welcome": {"nb": "Du får en velkomstgave med en gang.", "da": "Du får en velkomstgave med det samme.",
                          "en": "You get a welcome gift at once."},
    "join.lead_birthday": {"nb": "Og en gave på bursdagen din.", "da": "Og en gave på din fødselsdag.",
                           "en": "And a gift on your birthday."},
    "join.email": {"nb": "E-post", "da": "E-mail", "en": "E-mail"},
    "join.or_phone": {"nb": "… eller mobilnummer", "da": "… eller mobilnummer", "en": "… or mobile number"},
    "join.birthday": {"nb": "Bursdag (valgfritt)", "da": "Fødselsdag (valgfri)", "en": "Birthday (optional)"},
    "join.birthday_hint_gift": {
        "nb": "Så kan vi gi deg en gave på dagen. Året kan du la være.",
        "da": "Så kan vi give dig en gave på dagen. Året kan du udelade.",
        "en": "So we can give you a gift on the day. You may leave out the year.",
    },
    "join.birthday_hint": {
        "nb": "Året kan du la være.", "da": "Året kan du udelade.", "en": "You may leave out the year.",
    },
    # As people in the club's country write a date (the field also takes YYYY-MM-DD and MM-DD).
    "join.birthday_example": {"nb": "17.05.1990", "da": "17.05.1990", "en": "1990-05-17"},
    "join.consents": {"nb": "Samtykker (valgfritt)", "da": "Samtykker (valgfrit)", "en": "Consents (optional)"},
    "join.submit": {"nb": "Bli medlem", "da": "Bliv medlem", "en": "Join"},
    "join.privacy": {
        "nb": "Vi bruker opplysningene bare til medlemskapet. Du kan se, laste ned og slette dem fra medlemskortet ditt.",
        "da": "Vi bruger kun oplysningerne til medlemskabet. Du kan se, downloade og slette dem fra dit medlemskort.",
        "en": "We use your details for the membership only. You can see, download and delete them from your card.",
    },
    "join.sent_title": {"nb": "Sjekk innboksen din", "da": "Tjek din indbakke", "en": "Check your inbox"},
    "join.sent_email": {
        "nb": "Vi har sendt en lenke til {contact}. Trykk på den for å bekrefte medlemskapet.",
        "da": "Vi har sendt et link til {contact}. Tryk på det for at bekræfte medlemskabet.",
        "en": "We have sent a link to {contact}. Tap it to confirm your membership.",
    },
    "join.sent_sms": {
        "nb": "Vi har sendt en SMS til {contact}. Trykk på lenken for å bekrefte medlemskapet.",
        "da": "Vi har sendt en SMS til {contact}. Tryk på linket for at bekræfte medlemskabet.",
        "en": "We have sent a text to {contact}. Tap the link to confirm your membership.",
    },
    "join.fix": {"nb": "Sjekk feltene som er merket.", "da": "Tjek de markerede felter.", "en": "Please check the marked fields."},
    # --- field errors (by the message the domain gives) ---
    "error.not a valid e-mail address": {"nb": "Dette ser ikke ut som en e-postadresse.", "da": "Det ligner ikke en e-mailadresse.", "en": "This does not look like an e-mail address."},
    "error.give an e-mail address or a phone number": {"nb": "Skriv inn e-post eller mobilnummer.", "da": "Skriv e-mail eller mobilnummer.", "en": "Enter an e-mail address or a mobile number."},
    "error.not a valid phone number": {"nb": "Dette ser ikke ut som et telefonnummer.", "da": "Det ligner ikke et telefonnummer.", "en": "This does not look like a phone number."},
    "error.not a valid phone number: add the country code, e.g. +47": {
        "nb": "Skriv nummeret med landskode, for eksempel +47.", "da": "Skriv nummeret med landekode, for eksempel +45.",
        "en": "Write the number with its country code, e.g. +44.",
    },
    "error.not a real date": {"nb": "Denne datoen finnes ikke.", "da": "Den dato findes ikke.", "en": "This date does not exist."},
    "error.not a real day of the year": {"nb": "Denne datoen finnes ikke.", "da": "Den dato findes ikke.", "en": "This date does not exist."},
    "error.not a plausible birthday": {"nb": "Sjekk årstallet.", "da": "Tjek årstallet.", "en": "Please check the year."},
    "error.write a date like 17.05.1990 (the year may be left out)": {
        "nb": "Skriv datoen slik: 17.05.1990 (året kan du la være).",
        "da": "Skriv datoen sådan: 17.05.1990 (året kan du udelade).",
        "en": "Write the date like 1990-05-17 or 17.05.1990 (you may leave out the year).",
    },
    "error.field": {"nb": "Sjekk dette feltet.", "da": "Tjek dette felt.", "en": "Please check this field."},
    # --- confirmation ---
    "confirm.title": {"nb": "Velkommen i {club}!", "da": "Velkommen i {club}!", "en": "Welcome to {club}!"},
    "confirm.lead": {
        "nb": "Medlemskapet er bekreftet. Velkomstgaven ligger på medlemskortet ditt.",
        "da": "Medlemskabet er bekræftet. Velkomstgaven ligger på dit medlemskort.",
        "en": "Your membership is confirmed. Your welcome gift is on your member card.",
    },
    "confirm.open_card": {"nb": "Åpne medlemskortet", "da": "Åbn medlemskortet", "en": "Open your member card"},
    "confirm.invalid_title": {"nb": "Lenken virker ikke", "da": "Linket virker ikke", "en": "This link does not work"},
    "confirm.invalid_lead": {
        "nb": "Lenken er utløpt eller ugyldig. Meld deg inn på nytt, så sender vi en ny.",
        "da": "Linket er udløbet eller ugyldigt. Tilmeld dig igen, så sender vi et nyt.",
        "en": "The link has expired or is not valid. Join again and we will send you a new one.",
    },
    "confirm.new_link": {"nb": "Få en ny lenke", "da": "Få et nyt link", "en": "Get a new link"},
    "confirm.consents_note": {
        "nb": "Dette sa du ja eller nei til da du meldte deg inn:",
        "da": "Det sagde du ja eller nej til, da du meldte dig ind:",
        "en": "This is what you said yes or no to when you joined:",
    },
    "confirm.change_consents": {"nb": "Endre samtykkene", "da": "Skift samtykker", "en": "Change your consents"},
    "consent.yes": {"nb": "Ja", "da": "Ja", "en": "Yes"},
    "consent.no": {"nb": "Nei", "da": "Nej", "en": "No"},
    # --- card ---
    "card.title": {"nb": "Medlemskort", "da": "Medlemskort", "en": "Member card"},
    "card.show_at_till": {"nb": "Vis koden i kassen", "da": "Vis koden ved kassen", "en": "Show this code at the till"},
    "card.stamps": {"nb": "Stempler", "da": "Stempler", "en": "Stamps"},
    "card.stamps_to_go": {
        "nb": "{left} til neste belønning", "da": "{left} til næste belønning", "en": "{left} to your next reward",
    },
    "card.points": {"nb": "Poeng", "da": "Point", "en": "Points"},
    "card.tier": {"nb": "Nivå", "da": "Niveau", "en": "Tier"},
    "card.no_tier": {"nb": "Medlem", "da": "Medlem", "en": "Member"},
    # --- premium page ---
    "premium.title": {"nb": "Premium", "da": "Premium", "en": "Premium"},
    "premium.headline": {"nb": "Verdi {value} – pris {price}{per}", "da": "Værdi {value} – pris {price}{per}",
                         "en": "Value {value} – price {price}{per}"},
    "premium.per_year": {"nb": "/år", "da": "/år", "en": "/year"},
    "premium.per_month": {"nb": "/mnd", "da": "/md.", "en": "/month"},
    "premium.benefit_stamps": {"nb": "{multiplier} ganger så mange stempler på hvert kjøp",
                               "da": "{multiplier} gange så mange stempler på hvert køb",
                               "en": "{multiplier} times the stamps on every purchase"},
    "premium.benefit_points": {"nb": "{multiplier} ganger så mange poeng på hvert kjøp",
                               "da": "{multiplier} gange så mange point på hvert køb",
                               "en": "{multiplier} times the points on every purchase"},
    "premium.benefit_welcome": {"nb": "Velkomstgave når premium starter: {offer}",
                                "da": "Velkomstgave når premium starter: {offer}",
                                "en": "A welcome gift when premium starts: {offer}"},
    "premium.benefit_yearly_gift": {"nb": "En gave hvert år du fornyer: {offer}",
                                    "da": "En gave hvert år du fornyer: {offer}",
                                    "en": "A gift every year you renew: {offer}"},
    "premium.calculation_welcome": {"nb": "Velkomstgaven er verdt {worth} for deg: til sammen {value}.",
                                    "da": "Velkomstgaven er {worth} værd for dig: i alt {value}.",
                                    "en": "The welcome gift is worth {worth} to you: {value} in all."},
    "premium.calculation": {
        "nb": "Dine siste 12 måneder: {visits} kjøp × {per} ekstra stempel = {extra} stempler ≈ {rewards} belønninger à {reward_value} = {value}.",
        "da": "Dine seneste 12 måneder: {visits} køb × {per} ekstra stempel = {extra} stempler ≈ {rewards} belønninger à {reward_value} = {value}.",
        "en": "Your last 12 months: {visits} purchases × {per} extra stamp = {extra} stamps ≈ {rewards} rewards at {reward_value} = {value}.",
    },
    "premium.worth_it": {"nb": "Med dine kjøp lønner premium seg.", "da": "Med dine køb kan premium betale sig.",
                         "en": "With your purchases, premium pays for itself."},
    "premium.not_worth_it": {
        "nb": "Ærlig talt: med kjøpene dine det siste året ville premium ikke lønnet seg ennå.",
        "da": "Ærligt talt: med dine køb det seneste år ville premium ikke have betalt sig endnu.",
        "en": "Honestly: with your purchases of the last year, premium would not have paid for itself yet.",
    },
    "premium.buy": {"nb": "Kjøp premium", "da": "Køb premium", "en": "Buy premium"},
    "premium.manage": {"nb": "Administrer premium", "da": "Administrer premium", "en": "Manage premium"},
    "premium.active_until": {"nb": "Du er premium til {date}.", "da": "Du er premium til {date}.",
                             "en": "You are premium until {date}."},
    "premium.ends": {"nb": "Premium avsluttes {date}.", "da": "Premium slutter {date}.", "en": "Premium ends on {date}."},
    "premium.thanks": {"nb": "Takk! Betalingen er mottatt, premium aktiveres om et øyeblikk.",
                       "da": "Tak! Betalingen er modtaget, premium aktiveres om et øjeblik.",
                       "en": "Thank you! Payment received; premium is switched on in a moment."},
    "premium.not_offered": {"nb": "Denne klubben tilbyr ikke premium.", "da": "Denne klub tilbyder ikke premium.",
                            "en": "This club does not offer premium."},
    "premium.back": {"nb": "Tilbake til kortet", "da": "Tilbage til kortet", "en": "Back to the card"},
    "card.premium": {"nb": "Premium", "da": "Premium", "en": "Premium"},
    "card.premium_until": {"nb": "Premium til {date}", "da": "Premium til {date}", "en": "Premium until {date}"},
    "card.coupons": {"nb": "Kuponger", "da": "Kuponer", "en": "Coupons"},
    "card.no_coupons": {"nb": "Ingen kuponger akkurat nå.", "da": "Ingen kuponer lige nu.", "en": "No coupons right now."},
    "card.valid_until": {"nb": "Gyldig til {date}", "da": "Gyldig til {date}", "en": "Valid until {date}"},
    "card.status.redeemed": {"nb": "Brukt", "da": "Brugt", "en": "Used"},
    "card.status.expired": {"nb": "Utløpt", "da": "Udløbet", "en": "Expired"},
    "card.consents": {"nb": "Samtykker", "da": "Samtykker", "en": "Consents"},
    "card.save": {"nb": "Lagre", "da": "Gem", "en": "Save"},
    "card.saved": {"nb": "Lagret.", "da": "Gemt.", "en": "Saved."},
    "card.rewards": {"nb": "Bytt poeng", "da": "Byt point", "en": "Spend your points"},
    "card.reward_points": {"nb": "{points} poeng", "da": "{points} point", "en": "{points} points"},
    "card.exchange": {"nb": "Bytt", "da": "Byt", "en": "Exchange"},
    "card.exchange_done": {"nb": "Byttet! Kupongen ligger under.", "da": "Byttet! Kuponen ligger nedenfor.",
                           "en": "Done! The coupon is below."},
    "card.exchange_short": {"nb": "Poengene strakk ikke til (de ble nettopp brukt).",
                            "da": "Pointene rakte ikke (de blev lige brugt).",
                            "en": "Not enough points (they were just spent)."},
    "card.email_bounce": {
        "nb": "E-post til {email} kommer ikke fram (adressen finnes ikke), så vi sender ingen flere. Kortet virker som før.",
        "da": "E-mail til {email} kommer ikke frem (adressen findes ikke), så vi sender ikke flere. Kortet virker som før.",
        "en": "E-mail to {email} does not arrive (the address does not exist), so we send no more. Your card works as before.",
    },
    "card.email_complaint": {
        "nb": "Du merket e-posten vår som søppelpost, så vi sender ingen flere til {email}. Kortet virker som før.",
        "da": "Du markerede vores e-mail som spam, så vi sender ikke flere til {email}. Kortet virker som før.",
        "en": "You marked our e-mail as spam, so we send no more to {email}. Your card works as before.",
    },
    "card.your_data": {"nb": "Dine data", "da": "Dine data", "en": "Your data"},
    "card.export": {"nb": "Last ned dataene mine (JSON)", "da": "Download mine data (JSON)", "en": "Download my data (JSON)"},
    "card.erase": {"nb": "Slett medlemskapet og dataene mine", "da": "Slet mit medlemskab og mine data", "en": "Delete my membership and data"},
    "card.erase_confirm": {
        "nb": "Er du sikker? Stempler, poeng og kuponger forsvinner.",
        "da": "Er du sikker? Stempler, point og kuponer forsvinder.",
        "en": "Are you sure? Stamps, points and coupons will be gone.",
    },
    "card.erased_title": {"nb": "Slettet", "da": "Slettet", "en": "Deleted"},
    "card.erased_lead": {
        "nb": "Medlemskapet og kontaktopplysningene dine er slettet.",
        "da": "Dit medlemskab og dine kontaktoplysninger er slettet.",
        "en": "Your membership and contact details have been deleted.",
    },
    "card.invalid_title": {"nb": "Kortet finnes ikke", "da": "Kortet findes ikke", "en": "Card not found"},
    "card.invalid_lead": {
        "nb": "Dette medlemskortet er ikke gyldig (lenken er feil, eller medlemskapet er slettet).",
        "da": "Dette medlemskort er ikke gyldigt (linket er forkert, eller medlemskabet er slettet).",
        "en": "This member card is not valid (the link is wrong, or the membership was deleted).",
    },
    # --- unsubscribe ---
    "unsubscribe.title": {"nb": "Meld av", "da": "Frameld", "en": "Unsubscribe"},
    "unsubscribe.lead_email": {
        "nb": "Vil du ikke lenger få tilbud og nyheter fra {club} på e-post?",
        "da": "Vil du ikke længere have tilbud og nyheder fra {club} på e-mail?",
        "en": "Stop receiving offers and news from {club} by e-mail?",
    },
    "unsubscribe.lead_sms": {
        "nb": "Vil du ikke lenger få tilbud og nyheter fra {club} på SMS?",
        "da": "Vil du ikke længere have tilbud og nyheder fra {club} på SMS?",
        "en": "Stop receiving offers and news from {club} by SMS?",
    },
    "unsubscribe.invalid": {
        "nb": "Lenken er ikke gyldig. Du kan endre samtykkene dine på medlemskortet.",
        "da": "Linket er ikke gyldigt. Du kan ændre dine samtykker på dit medlemskort.",
        "en": "This link is not valid. You can change your consents on your member card.",
    },
    "unsubscribe.button": {"nb": "Meld meg av", "da": "Frameld mig", "en": "Unsubscribe me"},
    "unsubscribe.done": {
        "nb": "Du er meldt av. Medlemskapet ditt gjelder fortsatt.",
        "da": "Du er frameldt. Dit medlemskab gælder stadig.",
        "en": "You are unsubscribed. Your membership still counts.",
    },
    # --- generic ---
    "error.title": {"nb": "Noe gikk galt", "da": "Noget gik galt", "en": "Something went wrong"},
    "error.unknown_club": {"nb": "Denne klubben finnes ikke.", "da": "Denne klub findes ikke.", "en": "This club does not exist."},
    "error.unavailable": {
        "nb": "Vi fikk ikke til dette akkurat nå. Prøv igjen om litt.",
        "da": "Det lykkedes ikke lige nu. Prøv igen om lidt.",
        "en": "We could not do that just now. Please try again in a moment.",
    },
    "error.too_large": {"nb": "For mye data.", "da": "For mange data.", "en": "Too much data."},
    "error.not_found": {"nb": "Denne siden finnes ikke.", "da": "Denne side findes ikke.", "en": "This page does not exist."},
    "error.generic": {
        "nb": "Vi kunne ikke vise denne siden. Sjekk lenken og prøv igjen.",
        "da": "Vi kunne ikke vise denne side. Tjek linket og prøv igen.",
        "en": "We could not show this page. Check the link and try again.",
    },
    # --- messages ---
    "msg.greeting": {"nb": "Hei!", "da": "Hej!", "en": "Hi!"},
    "msg.confirmation.subject": {"nb": "Bekreft medlemskapet i {club}", "da": "Bekræft dit medlemskab af {club}", "en": "Confirm your membership of {club}"},
    "msg.confirmation.body": {
        "nb": "Trykk på knappen for å bekrefte at du vil bli medlem i {club}. Lenken gjelder i 7 dager.",
        "da": "Tryk på knappen for at bekræfte, at du vil være medlem af {club}. Linket gælder i 7 dage.",
        "en": "Tap the button to confirm that you want to join {club}. The link is valid for 7 days.",
    },
    "msg.confirmation.action": {"nb": "Bekreft medlemskapet", "da": "Bekræft medlemskabet", "en": "Confirm membership"},
    "msg.confirmation.ignore": {
        "nb": "Har du ikke bedt om dette, kan du se bort fra meldingen.",
        "da": "Har du ikke bedt om dette, kan du se bort fra beskeden.",
        "en": "If you did not ask for this, you can ignore this message.",
    },
    "msg.confirmation.sms": {"nb": "{club}: bekreft medlemskapet ditt: {link}", "da": "{club}: bekræft dit medlemskab: {link}", "en": "{club}: confirm your membership: {link}"},
    "msg.already_member.subject": {"nb": "Du er allerede medlem i {club}", "da": "Du er allerede medlem af {club}", "en": "You are already a member of {club}"},
    "msg.already_member.body": {
        "nb": "Noen (sikkert du) prøvde å melde deg inn i {club}, men du er allerede medlem. Her er medlemskortet ditt.",
        "da": "Nogen (sikkert dig) prøvede at melde dig ind i {club}, men du er allerede medlem. Her er dit medlemskort.",
        "en": "Someone (probably you) tried to join {club} with your details, but you are a member already. Here is your card.",
    },
    "msg.already_member.action": {"nb": "Åpne medlemskortet", "da": "Åbn medlemskortet", "en": "Open your member card"},
    "msg.already_member.sms": {"nb": "{club}: du er allerede medlem. Kortet ditt: {link}", "da": "{club}: du er allerede medlem. Dit kort: {link}", "en": "{club}: you are already a member. Your card: {link}"},
    "msg.welcome.subject": {"nb": "Velkommen i {club}!", "da": "Velkommen i {club}!", "en": "Welcome to {club}!"},
    "msg.welcome.body": {
        "nb": "Takk for at du ble medlem. Medlemskortet ditt ligger bak knappen: vis det i kassen for å samle stempler.",
        "da": "Tak fordi du blev medlem. Dit medlemskort ligger bag knappen: vis det ved kassen for at samle stempler.",
        "en": "Thank you for joining. Your member card is behind the button: show it at the till to collect stamps.",
    },
    "msg.welcome.gift": {
        "nb": "Velkomstgave: {offer}, kode {code}, gyldig til {date}.",
        "da": "Velkomstgave: {offer}, kode {code}, gyldig til {date}.",
        "en": "Welcome gift: {offer}, code {code}, valid until {date}.",
    },
    "msg.welcome.action": {"nb": "Åpne medlemskortet", "da": "Åbn medlemskortet", "en": "Open your member card"},
    "msg.welcome.sms": {"nb": "Velkommen i {club}! Kortet ditt: {link}", "da": "Velkommen i {club}! Dit kort: {link}", "en": "Welcome to {club}! Your card: {link}"},
    "msg.reward.subject": {"nb": "Du har fått en belønning hos {club}!", "da": "Du har fået en belønning hos {club}!", "en": "You have earned a reward at {club}!"},
    "msg.reward.body": {
        "nb": "Stempelkortet ditt er fullt. Belønningen ligger på medlemskortet: vis koden i kassen.",
        "da": "Dit stempelkort er fyldt. Belønningen ligger på dit medlemskort: vis koden ved kassen.",
        "en": "Your stamp card is full. The reward is on your member card: show the code at the till.",
    },
    "msg.reward.gift": {
        "nb": "Belønning: {offer}, kode {code}, gyldig til {date}.",
        "da": "Belønning: {offer}, kode {code}, gyldig til {date}.",
        "en": "Reward: {offer}, code {code}, valid until {date}.",
    },
    "msg.reward.action": {"nb": "Åpne medlemskortet", "da": "Åbn medlemskortet", "en": "Open your member card"},
    "msg.reward.sms": {"nb": "{club}: stempelkortet er fullt! Belønningen din: {link}", "da": "{club}: stempelkortet er fyldt! Din belønning: {link}", "en": "{club}: your stamp card is full! Your reward: {link}"},
    # --- messages: onboarding, reminders, birthday (marketing) and premium, points (service) ---
    "msg.onboarding_card.subject": {"nb": "Slik virker medlemskortet i {club}", "da": "Sådan virker medlemskortet i {club}", "en": "How your {club} card works"},
    "msg.onboarding_card.body": {
        "nb": "Vis medlemskortet i kassen, så får du et stempel for hvert kjøp. Når kortet er fullt, venter en belønning på deg. Kortet ligger alltid bak knappen, også på telefonen.",
        "da": "Vis medlemskortet ved kassen, så får du et stempel for hvert køb. Når kortet er fyldt, venter der en belønning. Kortet ligger altid bag knappen, også på telefonen.",
        "en": "Show your member card at the till and you get a stamp for every purchase. When the card is full, a reward is waiting for you. Your card is always behind the button, on your phone too.",
    },
    "msg.onboarding_card.action": {"nb": "Åpne medlemskortet", "da": "Åbn medlemskortet", "en": "Open your member card"},
    "msg.onboarding_card.sms": {
        "nb": "{club}: vis kortet i kassen og samle stempler. Kortet ditt: {link}",
        "da": "{club}: vis kortet ved kassen og saml stempler. Dit kort: {link}",
        "en": "{club}: show your card at the till and collect stamps. Your card: {link}",
    },
    "msg.onboarding_first_benefit.subject": {"nb": "Velkomstgaven din venter i {club}", "da": "Din velkomstgave venter i {club}", "en": "Your welcome gift is waiting at {club}"},
    "msg.onboarding_first_benefit.body": {
        "nb": "Du har ikke brukt velkomstgaven ennå. Vis koden i kassen neste gang du er innom.",
        "da": "Du har ikke brugt din velkomstgave endnu. Vis koden ved kassen, næste gang du kommer forbi.",
        "en": "You have not used your welcome gift yet. Show the code at the till next time you drop by.",
    },
    "msg.onboarding_first_benefit.gift": {
        "nb": "Velkomstgave: {offer}, kode {code}, gyldig til {date}.",
        "da": "Velkomstgave: {offer}, kode {code}, gyldig til {date}.",
        "en": "Welcome gift: {offer}, code {code}, valid until {date}.",
    },
    "msg.onboarding_first_benefit.action": {"nb": "Åpne medlemskortet", "da": "Åbn medlemskortet", "en": "Open your member card"},
    "msg.onboarding_first_benefit.sms": {
        "nb": "{club}: velkomstgaven din venter. Kortet ditt: {link}",
        "da": "{club}: din velkomstgave venter. Dit kort: {link}",
        "en": "{club}: your welcome gift is waiting. Your card: {link}",
    },
    "msg.coupon_expiring.subject": {"nb": "Kupongen din i {club} går snart ut", "da": "Din kupon i {club} udløber snart", "en": "Your {club} coupon expires soon"},
    "msg.coupon_expiring.body": {
        "nb": "Bare en vennlig påminnelse: kupongen din kan brukes noen dager til.",
        "da": "Bare en venlig påmindelse: din kupon kan bruges nogle dage endnu.",
        "en": "Just a friendly reminder: your coupon can be used for a few more days.",
    },
    "msg.coupon_expiring.gift": {
        "nb": "{offer}, kode {code}, gyldig til og med {date}.",
        "da": "{offer}, kode {code}, gyldig til og med {date}.",
        "en": "{offer}, code {code}, valid up to and including {date}.",
    },
    "msg.coupon_expiring.action": {"nb": "Åpne medlemskortet", "da": "Åbn medlemskortet", "en": "Open your member card"},
    "msg.coupon_expiring.sms": {
        "nb": "{club}: kupongen din går snart ut. Se den her: {link}",
        "da": "{club}: din kupon udløber snart. Se den her: {link}",
        "en": "{club}: your coupon expires soon. See it here: {link}",
    },
    "msg.birthday.subject": {"nb": "Gratulerer med dagen fra {club}!", "da": "Tillykke med fødselsdagen fra {club}!", "en": "Happy birthday from {club}!"},
    "msg.birthday.body": {
        "nb": "Gratulerer med dagen! Vi har lagt en liten gave på medlemskortet ditt.",
        "da": "Tillykke med dagen! Vi har lagt en lille gave på dit medlemskort.",
        "en": "Happy birthday! We have put a small gift on your member card.",
    },
    "msg.birthday.gift": {
        "nb": "Bursdagsgave: {offer}, kode {code}, gyldig til {date}.",
        "da": "Fødselsdagsgave: {offer}, kode {code}, gyldig til {date}.",
        "en": "Birthday gift: {offer}, code {code}, valid until {date}.",
    },
    "msg.birthday.action": {"nb": "Åpne medlemskortet", "da": "Åbn medlemskortet", "en": "Open your member card"},
    "msg.birthday.sms": {
        "nb": "Gratulerer med dagen fra {club}! Gaven din: {link}",
        "da": "Tillykke med dagen fra {club}! Din gave: {link}",
        "en": "Happy birthday from {club}! Your gift: {link}",
    },
    "msg.points_exchanged.subject": {"nb": "Du har byttet poeng hos {club}", "da": "Du har byttet point hos {club}", "en": "You exchanged points at {club}"},
    "msg.points_exchanged.body": {
        "nb": "Du brukte {points_spent} poeng og har {points_left} igjen. Belønningen ligger på medlemskortet.",
        "da": "Du brugte {points_spent} point og har {points_left} tilbage. Belønningen ligger på dit medlemskort.",
        "en": "You used {points_spent} points and have {points_left} left. The reward is on your member card.",
    },
    "msg.points_exchanged.gift": {
        "nb": "Belønning: {offer}, kode {code}, gyldig til {date}.",
        "da": "Belønning: {offer}, kode {code}, gyldig til {date}.",
        "en": "Reward: {offer}, code {code}, valid until {date}.",
    },
    "msg.points_exchanged.action": {"nb": "Åpne medlemskortet", "da": "Åbn medlemskortet", "en": "Open your member card"},
    "msg.points_exchanged.sms": {
        "nb": "{club}: du brukte {points_spent} poeng, {points_left} igjen. Belønningen: {link}",
        "da": "{club}: du brugte {points_spent} point, {points_left} tilbage. Belønningen: {link}",
        "en": "{club}: you used {points_spent} points, {points_left} left. Your reward: {link}",
    },
    "msg.premium_activated.subject": {"nb": "Velkommen som premiummedlem i {club}", "da": "Velkommen som premiummedlem i {club}", "en": "Welcome to {club} premium"},
    "msg.premium_activated.body": {
        "nb": "Takk! Premium gjelder til {until}. Fordelene ser du på premiumsiden.",
        "da": "Tak! Premium gælder til {until}. Fordelene kan du se på premiumsiden.",
        "en": "Thank you! Premium lasts until {until}. Your benefits are on the premium page.",
    },
    "msg.premium_activated.gift": {
        "nb": "Velkomstgave for premium: {offer}, kode {code}, gyldig til {date}.",
        "da": "Velkomstgave for premium: {offer}, kode {code}, gyldig til {date}.",
        "en": "Your premium welcome gift: {offer}, code {code}, valid until {date}.",
    },
    "msg.premium_activated.action": {"nb": "Se premiumfordelene", "da": "Se premiumfordelene", "en": "See your premium benefits"},
    "msg.premium_activated.sms": {
        "nb": "{club}: premium er aktivt til {until}. {link}",
        "da": "{club}: premium er aktivt til {until}. {link}",
        "en": "{club}: premium is active until {until}. {link}",
    },
    "msg.premium_renewed.subject": {"nb": "Premium i {club} er fornyet", "da": "Premium i {club} er fornyet", "en": "Your {club} premium is renewed"},
    "msg.premium_renewed.body": {
        "nb": "Takk for at du fortsetter. Premium gjelder nå til {until}.",
        "da": "Tak fordi du fortsætter. Premium gælder nu til {until}.",
        "en": "Thank you for staying. Premium now lasts until {until}.",
    },
    "msg.premium_renewed.gift": {
        "nb": "Årets premiumgave: {offer}, kode {code}, gyldig til {date}.",
        "da": "Årets premiumgave: {offer}, kode {code}, gyldig til {date}.",
        "en": "This year's premium gift: {offer}, code {code}, valid until {date}.",
    },
    "msg.premium_renewed.action": {"nb": "Se premiumsiden", "da": "Se premiumsiden", "en": "See the premium page"},
    "msg.premium_renewed.sms": {
        "nb": "{club}: premium er fornyet til {until}. {link}",
        "da": "{club}: premium er fornyet til {until}. {link}",
        "en": "{club}: premium is renewed until {until}. {link}",
    },
    "msg.premium_payment_failed.subject": {"nb": "Betalingen for premium i {club} gikk ikke gjennom", "da": "Betalingen for premium i {club} gik ikke igennem", "en": "Your {club} premium payment did not go through"},
    "msg.premium_payment_failed.body": {
        "nb": "Vi fikk ikke trukket betalingen for premium. Premium gjelder til {until} mens vi prøver igjen; sjekk gjerne kortet ditt.",
        "da": "Vi kunne ikke trække betalingen for premium. Premium gælder til {until}, mens vi prøver igen; tjek gerne dit kort.",
        "en": "We could not take the payment for premium. Premium lasts until {until} while we try again; you may want to check your card.",
    },
    "msg.premium_payment_failed.action": {"nb": "Oppdater betalingen", "da": "Opdater betalingen", "en": "Update your payment"},
    "msg.premium_payment_failed.sms": {
        "nb": "{club}: betalingen for premium feilet. Premium gjelder til {until}. {link}",
        "da": "{club}: betalingen for premium fejlede. Premium gælder til {until}. {link}",
        "en": "{club}: the premium payment failed. Premium lasts until {until}. {link}",
    },
    "msg.premium_payment_action.subject": {"nb": "Bekreft betalingen for premium i {club}", "da": "Bekræft betalingen for premium i {club}", "en": "Confirm your {club} premium payment"},
    "msg.premium_payment_action.body": {
        "nb": "Banken din vil at du bekrefter betalingen for premium. Premium gjelder til {until}.",
        "da": "Din bank vil have, at du bekræfter betalingen for premium. Premium gælder til {until}.",
        "en": "Your bank asks you to confirm the premium payment. Premium lasts until {until}.",
    },
    "msg.premium_payment_action.action": {"nb": "Bekreft betalingen", "da": "Bekræft betalingen", "en": "Confirm the payment"},
    "msg.premium_payment_action.sms": {
        "nb": "{club}: bekreft betalingen for premium: {link}",
        "da": "{club}: bekræft betalingen for premium: {link}",
        "en": "{club}: confirm your premium payment: {link}",
    },
    "msg.premium_trial_ending.subject": {"nb": "Prøveperioden for premium i {club} slutter snart", "da": "Prøveperioden for premium i {club} slutter snart", "en": "Your {club} premium trial ends soon"},
    "msg.premium_trial_ending.body": {
        "nb": "Prøveperioden slutter {trial_end}. Vil du ikke fortsette, kan du avslutte før det.",
        "da": "Prøveperioden slutter {trial_end}. Vil du ikke fortsætte, kan du opsige før da.",
        "en": "Your trial ends on {trial_end}. If you do not want to go on, you can cancel before then.",
    },
    "msg.premium_trial_ending.action": {"nb": "Se premiumsiden", "da": "Se premiumsiden", "en": "See the premium page"},
    "msg.premium_trial_ending.sms": {
        "nb": "{club}: prøveperioden for premium slutter {trial_end}. {link}",
        "da": "{club}: prøveperioden for premium slutter {trial_end}. {link}",
        "en": "{club}: your premium trial ends {trial_end}. {link}",
    },
    "msg.premium_cancelled.subject": {"nb": "Premium i {club} er avsluttet", "da": "Premium i {club} er opsagt", "en": "Your {club} premium is cancelled"},
    "msg.premium_cancelled.body": {
        "nb": "Premium er avsluttet. Du beholder fordelene til {until}, og medlemskortet ditt gjelder som før.",
        "da": "Premium er opsagt. Du beholder fordelene til {until}, og dit medlemskort gælder som før.",
        "en": "Premium is cancelled. You keep its benefits until {until}, and your member card works as before.",
    },
    "msg.premium_cancelled.action": {"nb": "Se premiumsiden", "da": "Se premiumsiden", "en": "See the premium page"},
    "msg.premium_cancelled.sms": {
        "nb": "{club}: premium er avsluttet, fordelene gjelder til {until}. {link}",
        "da": "{club}: premium er opsagt, fordelene gælder til {until}. {link}",
        "en": "{club}: premium is cancelled, benefits last until {until}. {link}",
    },
    "msg.premium_ended.subject": {"nb": "Premium i {club} er avsluttet", "da": "Premium i {club} er ophørt", "en": "Your {club} premium has ended"},
    "msg.premium_ended.body": {
        "nb": "Premium er avsluttet. Medlemskortet ditt gjelder som før, og du kan bli premiummedlem igjen når du vil.",
        "da": "Premium er ophørt. Dit medlemskort gælder som før, og du kan blive premiummedlem igen, når du vil.",
        "en": "Premium has ended. Your member card works as before, and you can join premium again whenever you like.",
    },
    "msg.premium_ended.action": {"nb": "Se premiumsiden", "da": "Se premiumsiden", "en": "See the premium page"},
    "msg.premium_ended.sms": {
        "nb": "{club}: premium er avsluttet. Kortet ditt gjelder som før: {link}",
        "da": "{club}: premium er ophørt. Dit kort gælder som før: {link}",
        "en": "{club}: premium has ended. Your card works as before: {link}",
    },
    "msg.unsubscribe": {"nb": "Meld av e-post fra {club}", "da": "Frameld e-mails fra {club}", "en": "Unsubscribe from {club} e-mails"},
    "msg.sms_stop": {"nb": "Avmeld: {link}", "da": "Frameld: {link}", "en": "Opt out: {link}"},
    "msg.settings": {
        "nb": "Velg hvilke meldinger du får fra {club}", "da": "Vælg hvilke beskeder du får fra {club}",
        "en": "Choose which messages you get from {club}",
    },
    # --- offers ---
    "offer.percent": {"nb": "{percent} % rabatt", "da": "{percent} % rabat", "en": "{percent}% off"},
    "offer.amount": {"nb": "{amount} i rabatt", "da": "{amount} i rabat", "en": "{amount} off"},
    "offer.free_item": {"nb": "{item}", "da": "{item}", "en": "{item}"},
    "offer.free_item_default": {"nb": "1 gratis vare", "da": "1 gratis vare", "en": "1 free item"},
}

MONTHS = {
    "nb": ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"],
    "da": ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
}


def text(locale: str, key: str, **values: Any) -> str:
    phrase = PHRASES[key]
    return phrase.get(locale, phrase["en"]).format(**values)


def has_text(key: str) -> bool:
    return key in PHRASES


def locale_from_accept_language(header: str | None) -> str:
    """The best of nb, da and en for a browser's ``Accept-Language`` (for pages that know no
    club): Norwegian in any form (no, nb, nn) is nb; English when nothing matches."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "")[:500].split(",")):
        tag, _, params = part.strip().partition(";")
        language = tag.strip().lower().split("-")[0]
        locale = {"no": "nb", "nn": "nb"}.get(language, language if language in LOCALES else None)
        if locale is None:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            choices.append((-quality, position, locale))
    return min(choices)[2] if choices else FALLBACK


def long_date(moment: datetime, locale: str, zone: ZoneInfo) -> str:
    """``2. desember 2026`` / ``2. december 2026`` / ``2 December 2026`` in the club's zone."""
    local = moment.astimezone(zone)
    month = MONTHS.get(locale, MONTHS["en"])[local.month - 1]
    return f"{local.day} {month} {local.year}" if locale == "en" else f"{local.day}. {month} {local.year}"


def money(amount: str, currency: str, locale: str) -> str:
    """``"249.00", "NOK"`` → ``kr 249,00`` (nb/da) or ``NOK 249.00`` (en)."""
    if locale in ("nb", "da") and currency in ("NOK", "DKK", "SEK"):
        return f"kr {amount.replace('.', ',')}"
    return f"{currency} {amount}"


def describe_offer(value: dict[str, Any], locale: str, currency: str) -> str:
    if value["type"] == "percent":
        return text(locale, "offer.percent", percent=value["percent"])
    if value["type"] == "amount":
        return text(locale, "offer.amount", amount=money(value["amount"], currency, locale))
    return text(locale, "offer.free_item", item=value["item"])
