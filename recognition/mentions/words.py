"""Word lists used by :mod:`recognition.mentions.coding` (English and German; written unfolded, folded at import).

- ``STOP_WORDS``: words that carry no brand: function words, "don't know"-style non-answers, hedges ("maybe",
  "vielleicht") and the generic category words respondents add ("shoes", "Supermarkt", "Drogerie"). They are
  never matched fuzzily, are dropped from unmatched fragments, and a text made only of them codes to nothing.
- ``COMMON_WORDS``: ordinary dictionary words that lie within a small edit distance of some brand name
  ("pump" ~ Puma, "shelf" ~ Shell, "normal" ~ Norma, "really" ~ Real, "sketches" ~ Skechers). A token that is
  a stop word or a common word is only ever coded when it equals a brand name or alias exactly; it is never
  coded as a misspelling. The list is deliberately general (frequent words of both languages), not tuned to one
  code frame; a frame adds its own look-alikes through "not a brand" terms.
- ``LEGAL_SUFFIXES``: company-form words stripped from the end of a name ("Nike Inc", "Aldi GmbH & Co. KG").
- ``CONNECTORS``: list words between brands ("and", "und", "or"), trimmed from the ends of unmatched fragments.
- ``NAME_CONNECTORS``: the words that join the parts of one name ("Marks & Spencer", "M n S", "In-N-Out"); a
  brand spelling and a window are also compared without them ("marks spencer", "m s", "in out").
- ``DESCRIPTORS``: words that end a brand's full name but are left off in speech ("Saturn *Elektro*", "Chipotle
  *Mexican Grill*", "Domino's *Pizza*", "B&M *Bargains*"); with the stop words they are dropped from the end of
  a name to make its short form.
- ``GIVEN_NAMES``: common first names and family words. The first word of a name stands for the brand only when
  it is distinctive ("Popeyes Louisiana Kitchen" → "Popeyes"); a given name or its possessive ("Jimmy John's",
  "Jack in the Box", "Carl's Jr.", "Papa John's") is not. A given name is never coded by its sound ("Nikki"
  sounds like Nike).
- ``ABBREVIATIONS``: a name word and its usual other written forms ("Carl's Jr." = "Carl's Junior" = "Carl's
  Jnr").
- ``NUMBER_WORDS``: number words and their digits ("Five Guys" = "5 Guys").
"""

from __future__ import annotations

import unicodedata

_MARKS = str.maketrans(dict.fromkeys("™℠", " "))  # trade marks, which NFKC would spell "TM" on the name
_SPECIAL = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def fold(text: str) -> str:
    """Lower-case (``casefold``: "ß" → "ss") and strip accents and umlaut dots ("Müller" → "muller") and trade
    mark signs ("Nike™" → "nike")."""
    text = unicodedata.normalize("NFKC", text.translate(_MARKS)).casefold().translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> frozenset[str]:
    return frozenset(fold(word) for word in text.split())


LEGAL_SUFFIXES = _words(
    """inc incorporated ltd limited llc llp plc corp corporation co company gmbh mbh ag kg kgaa ohg gbr ug ev se
    sa sas sarl spa nv bv ab oy as group gruppe holding holdings international zentrale stiftung"""
)

CONNECTORS = _words("and und or oder sowie plus also auch then dann bzw beziehungsweise usw etc")

_ENGLISH_STOP = """
a an the and or nor but of to in on at by for with from as into onto about than then so too very just only also
is are was were be been being am do does did done have has had having it its it's this that these those there
here i im i'm me my mine we us our you your he him his she her they them their what which who whom whose how why
when where not no none nothing nobody noone anything something everything any some all both each every other
others another more most much many lot lots few several one ones thing things stuff kind sort type like really
maybe perhaps probably possibly think thought guess suppose sure unsure know knew known dont don't didnt doesnt
cant can't cannot can could would should will wont won't may might must remember recall recollect idea clue
idk dunno unknown nope nah na nada thats ive isnt wasnt arent theres whats couldnt wouldnt yes yeah yep ok okay hmm umm um uh er erm well oh etc eg ie brand brands name
names make makes company companies label labels logo good great best better nice cool cheap expensive
favourite favorite popular famous big small local usual usually mostly mainly always often sometimes
mean heard seen see saw buy bought wear wore use used get got go went shop shops shopping store stores
shoe shoes trainer trainers sneaker sneakers runner runners running run sport sports sporty sportswear
sportwear athletic athleisure clothes clothing clothings apparel wear gear footwear boot boots shirt shirts
tshirt tshirts top tops jersey jerseys short shorts kit kits jacket jackets hoodie hoodies tracksuit
tracksuits fashion outlet outlets mall online retailer retailers chain chains supermarket supermarkets
grocery groceries grocer market markets discount discounter discounters food drugstore drugstores pharmacy
chemist chemists coffee cafe cafes place places one's oneself superstore hypermarket uk gb usa eu
america england britain germany deutschland
pizza pizzas burger burgers taco tacos chicken fries sandwich sandwiches sub subs wings donut donuts doughnut
doughnuts bagel bagels breakfast lunch dinner meal meals thru restaurant restaurants diner takeaway takeout
fastfood electronics electronic phone phones laptop laptops computer computers appliances
"""

_GERMAN_STOP = """
ich du er sie es wir ihr mir mich dir dich uns euch ihm ihn ihnen man mein meine meinen meiner meist meistens
der die das den dem des ein eine einen einem einer eines kein keine keinen keinem keiner keines nicht nichts
nie niemand weiß weiss weis wissen gewusst ahnung kenne kennen kennt bekannt sonst sonstige andere anderen
anderes weitere weiteres mehr noch mal eben halt so ja nein jein vielleicht glaube glaub denke bestimmt
sicher eventuell evtl wahrscheinlich und oder sowie auch aber sondern bzw usw etc im in am an auf bei beim mit
von vom zu zum zur für fur aus nach vor über uber unter um ist sind war waren gibt gab gehört gehoert gehen
gehe geht kaufe kaufen kauft einkaufen einkauf einkaufe oft immer manchmal gerne gern liebsten eigentlich nur
fast ganz sehr viel viele alle alles jeder jede jedes da dort hier dies diese dieser dieses ecke nähe naehe
fällt faellt ein einfallen ka kp plan idee schimmer nix spontan gerade grad jetzt sowas so'n was wo wer wie welche welcher welches
angabe angaben keine marke marken name namen firma firmen laden läden geschäft geschäfte kette ketten
filiale filialen supermarkt supermärkte markt märkte discounter drogerie drogerien drogeriemarkt
drogeriemärkte lebensmittel lebensmittelmarkt biomarkt biomärkte bio billig billigsten günstig günstigsten
teuer teurer teuersten gut gute guter besten schuhe schuh sportschuhe turnschuhe laufschuhe kleidung
sportkleidung klamotten mode hund gelben gelb schild rot roten blau blauen
elektro elektronik elektronikmarkt elektromarkt elektrogeräte elektrofachmarkt fachmarkt technik fernseher
handy handys hausgeräte geräte kopfhörer lautsprecher boxen versand versandhaus onlineshop
"""

STOP_WORDS = _words(_ENGLISH_STOP + _GERMAN_STOP) | LEGAL_SUFFIXES | CONNECTORS

_ENGLISH_COMMON = """
able about above act add adds age ago aid aids air all allow also among amount and answer any area arm army
around art ask away back bad bag ball balls band bank bar base basic basics bay bear beat bed beer before begin
bell belt bench bend bet bill bird bit black blade blue board boat body bone book books box boy brake bread
break bring brother build burn bus business buy call calm came camp car card care carry case cat catch cause
cell center centre chair champ change charge check child choice church city class clean clear climb close
club coach coast coat cold colour color come common cook copy corner cost could count country course court
cover crew cross cup cut dance dark data day dead deal dear deep desk dial die diet dirt dog door down draw
dream dress drink drive drop dry duck due dust duty each ear early earth east easy eat edge egg else end
enjoy enough even ever face fact fair fall family fan fans far farm fast fat fear feel feet field fight
file files fill film films final finals find fine finish fire firm fish fit flag flat floor fly follow food
foot force form forma free fresh friend front fruit full fun funny game games garden gas gate gel give glad
glass globe globes goal gold golf gone grass green ground group grow guard gun gym hair half hall hand hang
happy hard hat head hear heart heat heel heels help high hill hit hold hole home hope horse hot hour house
huge hunt ice inch iron item jazz job join joke jump keep key kick kid kids kill king kiss knee lace laces
lady lake land lane large last late law lay lead leaf lean left leg less let letter lid lids lie life lift
light line link lion list live load loan lock long look lose loss lost loud love low luck mad mail main male
man map mark mass match matter meal meat meet men mike mile milk mill miller mind minute miss mix model money
month moon morning mother motor mouse mouth move movie mule mules music nail near neck need net news night
noise nose note now number nurse off office oil old open order own pack page paid pain paint pair pan paper
park part party pass past path pay peace pen pens people per pick piece pink pipe plan plane plant plate play
plus point pole pool poor port post pound power press price print pull pump pumps pumping push put quick
quiet race races racing rain raise range rate read ready real realm really reason red rest rice rich ride
right ring rise risk river road rock role roll roman roof room root rope rose round rule rush safe sail salt
same sand save say scale school score sea seat second seem self sell send sense shall shape share sharp
sheet shelf shell shells ship shock shoot shot should show shut sick side sign silk sing sink sister sit size
sketch sketches skill skin sky sleep slide slip slow smell smile snow soft soil sold son song soon sort
sound south space speak speed spell spend spirit spot spring square staff stage stand star start state
stay step stick still stock stone stop storm story street strong study style suit summer sun super
swim table tail take talk tall task taste tax team tell term test text thick thin tick tie till time tip tire
title toe tone tool tooth total touch tour town track trade train tree trip truck true trust try tube
turn twin under unit upon van vans vane vanes vast view visit voice vote wait walk wall want war warm wash
watch water wave way weak wear weather week weight west wet wheel white whole wide wife wild win wind window
wine wing winter wire wise wish woman wood word work world worry write wrong yard year young zone acer
converge normal norm norms mike nick sale sales tv ad ads advert island islands
"""

_GERMAN_COMMON = """
aber acht alt alte alter arbeit arm auge auto bad bahn ball bank bau bauch baum baumarkt berg bett bier bild
blatt blume boden brot brief bruder buch dach dank decke dorf ding doch dose drei durst ecke ehe ei eis ende
ernte essen fahrt fall farbe feld fenster fest feuer film fisch flasche fleisch frau frei freund frucht früh
fuß garten gast geld gelb gold glas glück grau groß grün gut haar hafen hals hand haus haut heft heim held
hemd herz heute himmel hof holz hose huhn hund hut jahr jung kaffee kalt kamm karte kasse katze kauf kaufhaus
kind kirche klein knie koch kopf korb kraft kuh kunde kunst kurz lager lampe land lang laut leben leer leicht
licht lied liebe linie loch luft lust macht magen maler mann mantel markt maus meer mehl meter milch mitte
monat mond morgen mühle müll mund mutter nacht nadel nase nett netz neu neun norden nord null obst ofen ohr
onkel ort osten papier park pass pferd pilz platz post preis rad rand rat raum rechnung regen reis reise rest
rind ring rock rose rot ruhe sache saft salz satz schaf schiff schild schloss schnee schrank schule see seife
seite sohn sonne spiel stadt stein stern stift stuhl stunde süd sued süden tag tal tante teller tisch tor
treppe tür uhr vater vogel wagen wald wand wasser weg wein welt wetter wind woche wort wurst zahl zahn zeit
zimmer zug zucker
"""

COMMON_WORDS = STOP_WORDS | _words(_ENGLISH_COMMON + _GERMAN_COMMON + "pc dj ps pr id little north")

NAME_CONNECTORS = _words("and und n an u")

DESCRIPTORS = STOP_WORDS | _words(
    """grill kitchen express extra local metro bargains foods partners mexican italian chinese drive in
    electro elektro electronic electronics elektronik technik fachmarkt drogerie drogeriemarkt biomarkt
    sportswear athletica originals online"""
)

GIVEN_NAMES = _words(
    """john jon johnny jack jim jimmy james joe joey mike michael mickey micky chuck charlie charles carl karl
    dave david tom tommy tim ben bob bill billy sam max fred frank george harry henry paul peter pete mark luke
    tony steve ron ronald roy ray dan danny andy ed eddie al wendy mary anna maria sarah lisa emma kate anne
    annie molly polly sally jenny betty nikki nicky nico niko papa mama mom mum dad daddy uncle aunt auntie
    grandma grandpa granny
    colonel hans klaus jürgen uwe karin petra sabine heinz"""
)

ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "jr": ("junior", "jnr"),
    "jnr": ("junior", "jr"),
    "junior": ("jr", "jnr"),
    "sr": ("senior",),
    "senior": ("sr",),
    "bros": ("brothers",),
    "brothers": ("bros",),
    "st": ("saint",),
    "saint": ("st",),
    "intl": ("international",),
    "mkt": ("markt", "market"),
}

NUMBER_WORDS = {
    word: str(number)
    for words in (
        "one two three four five six seven eight nine ten",
        "eins zwei drei vier fünf sechs sieben acht neun zehn",
    )
    for number, word in enumerate((fold(w) for w in words.split()), start=1)
}
