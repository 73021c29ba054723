"""Word pools and sentence templates (EN, LT, RU) the replica's articles are written from."""

from __future__ import annotations

# Themes per language, in the same order everywhere (index = theme number).
THEMES = {
    "en": (
        "Speeches, Statements",
        "Multilateral Relations",
        "Bilateral Relations",
        "European Union",
        "NATO and International Security",
        "Activities of the Minister of Foreign Affairs",
        "News of the Ministry",
        "News of Representations",
        "Historical, Cultural Diplomacy",
    ),
    "lt": (
        "Kalbos, pareiškimai",
        "Daugiašaliai santykiai",
        "Dvišaliai santykiai",
        "Europos Sąjunga",
        "NATO ir tarptautinis saugumas",
        "Užsienio reikalų ministro veikla",
        "Ministerijos naujienos",
        "Atstovybių naujienos",
        "Istorinė, kultūros diplomatija",
    ),
    "ru": (
        "Выступления, заявления",
        "Многосторонние отношения",
        "Двусторонние отношения",
        "Европейский союз",
        "НАТО и международная безопасность",
        "Деятельность министра иностранных дел",
        "Новости министерства",
        "Новости представительств",
        "Историческая, культурная дипломатия",
    ),
}
# Old-CMS `?cat[]=` numbers; 56 = "Speeches, Statements" is the one seen on the real site.
THEME_IDS = (56, 57, 58, 59, 61, 64, 65, 66, 32)

# The listing entry's date label ("Added 2024-12-20"); LT/RU wording on the new CMS is invented.
ADDED = {"en": "Added", "lt": "Pridėta", "ru": "Добавлено"}

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "lt": ("sausio", "vasario", "kovo", "balandžio", "gegužės", "birželio", "liepos",
           "rugpjūčio", "rugsėjo", "spalio", "lapkričio", "gruodžio"),
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
           "сентября", "октября", "ноября", "декабря"),
}
CITIES = {
    "en": ("Vilnius, Lithuania", "Brussels, Belgium", "Vienna, Austria", "Minsk, Belarus",
           "Tallinn, Estonia", "New York, USA"),
    "lt": ("Vilnius", "Briuselis", "Viena", "Minskas", "Talinas", "Niujorkas"),
    "ru": ("Вильнюс", "Брюссель", "Вена", "Минск", "Таллин", "Нью-Йорк"),
}

# Word pools: each entry is (EN, LT, RU), LT/RU in the grammatical case the templates need.
PEOPLE = (
    ("Gabrielius Landsbergis", "Gabrielius Landsbergis", "Габриэлюс Ландсбергис"),
    ("Kęstutis Budrys", "Kęstutis Budrys", "Кястутис Будрис"),
    ("Vaidotas Verba", "Vaidotas Verba", "Вайдотас Верба"),
    ("Arnoldas Pranckevičius", "Arnoldas Pranckevičius", "Арнольдас Пранцкявичюс"),
    ("Egidijus Meilūnas", "Egidijus Meilūnas", "Эгидиюс Мейлунас"),
    ("Jovita Neliupšienė", "Jovita Neliupšienė", "Йовита Нелюпшене"),
)
COUNTRIES = (
    ("Latvia", "Latvijos", "Латвии"),
    ("Poland", "Lenkijos", "Польши"),
    ("Germany", "Vokietijos", "Германии"),
    ("Ukraine", "Ukrainos", "Украины"),
    ("Sweden", "Švedijos", "Швеции"),
    ("Finland", "Suomijos", "Финляндии"),
    ("Japan", "Japonijos", "Японии"),
    ("Georgia", "Sakartvelo", "Грузии"),
    ("Estonia", "Estijos", "Эстонии"),
    ("the United States", "Jungtinių Amerikos Valstijų", "Соединённых Штатов"),
)
# Country names in the nominative, for lists of delegations.
NATIONS = {
    "en": ("Albania", "Austria", "Belgium", "Canada", "Croatia", "Denmark", "Estonia", "Finland",
           "Iceland", "Latvia", "Poland", "Ukraine", "the United Kingdom", "the United States"),
    "lt": ("Albanija", "Austrija", "Belgija", "Kanada", "Kroatija", "Danija", "Estija",
           "Suomija", "Islandija", "Latvija", "Lenkija", "Ukraina", "Jungtinė Karalystė",
           "Jungtinės Amerikos Valstijos"),
    "ru": ("Албания", "Австрия", "Бельгия", "Канада", "Хорватия", "Дания", "Эстония",
           "Финляндия", "Исландия", "Латвия", "Польша", "Украина", "Великобритания", "США"),
}
ORGS = (
    ("OSCE", "ESBO", "ОБСЕ"),
    ("Council of Europe", "Europos Tarybos", "Совета Европы"),
    ("United Nations", "Jungtinių Tautų", "ООН"),
    ("European Union", "Europos Sąjungos", "Европейского союза"),
    ("NATO", "NATO", "НАТО"),
    ("CTBTO", "CTBTO", "ОДВЗЯИ"),
)
TOPICS = (
    ("human rights in Belarus", "žmogaus teisių Baltarusijoje", "прав человека в Беларуси"),
    ("energy security", "energetinio saugumo", "энергетической безопасности"),
    ("support for Ukraine", "paramos Ukrainai", "поддержки Украины"),
    ("sanctions against Russia", "sankcijų Rusijai", "санкций против России"),
    ("media freedom", "žiniasklaidos laisvės", "свободы СМИ"),
    ("Research & Innovation", "mokslo ir inovacijų", "науки и инноваций"),
    ("the „Baltic Way“ anniversary", "„Baltijos kelio“ jubiliejaus",
     "годовщины «Балтийского пути»"),
    ("cyber security", "kibernetinio saugumo", "кибербезопасности"),
)

TITLES = {
    "en": (
        "Minister {person} met with the Minister of Foreign Affairs of {country}",
        "Lithuania joined the {org} statement on {topic}",
        "Ambassador {person} discussed {topic} with partners from {country}",
        "{org} participating states invoked the Vienna Mechanism in relation to {topic}",
        "Political consultations between Lithuania and {country} held in {city}",
        "Vice-Minister {person} at the {org}: {topic} is a shared responsibility",
        "Lithuanian diplomats marked {topic} together with {country}",
    ),
    "lt": (
        "Ministras {person} susitiko su {country} užsienio reikalų ministru",
        "Lietuva prisijungė prie {org} pareiškimo dėl {topic}",
        "Ambasadorius {person} su {country} partneriais aptarė {topic} klausimus",
        "{org} valstybės aktyvavo Vienos mechanizmą dėl {topic}",
        "Lietuvos ir {country} politinės konsultacijos: dėmesys {topic} klausimams",
        "Viceministras {person}: {topic} užtikrinimas – bendra atsakomybė",
        "Lietuvos diplomatai kartu su {country} atstovais paminėjo {topic} svarbą",
    ),
    "ru": (
        "Министр {person} встретился с министром иностранных дел {country}",
        "Литва присоединилась к заявлению {org} по вопросу {topic}",
        "Посол {person} обсудил вопросы {topic} с партнёрами из {country}",
        "Государства — участники {org} задействовали Венский механизм в отношении {topic}",
        "Политические консультации Литвы и {country}: в центре внимания вопросы {topic}",
        "Вице-министр {person}: обеспечение {topic} — общая ответственность",
        "Литовские дипломаты и представители {country} отметили важность {topic}",
    ),
}

SENTENCES = {
    "en": (
        "During the meeting, the parties discussed {topic}, regional security and cooperation "
        "within the {org}.",
        "{person} underlined that {topic} remains a priority of Lithuania's foreign policy.",
        "Lithuania, together with {n} other participating states, called on the authorities "
        "to implement the recommendations without delay.",
        "The delegations agreed to continue the consultations in {city} next year.",
        "According to {person}, trade between Lithuania and {country} grew by {n} per cent "
        "last year.",
        "The event was attended by representatives of the diplomatic corps, academia and "
        "civil society.",
        "The Minister thanked {country} for its steadfast support and solidarity.",
        "The sides also exchanged views on the situation in the region and the upcoming {org} "
        "meetings.",
        "A year ago, on the initiative of {n} states, an independent expert issued a report on "
        "{topic}.",
        "Lithuania will continue to raise the issue of {topic} in the {org} and bilaterally.",
    ),
    "lt": (
        "Susitikimo metu aptarti {topic} klausimai, regioninis saugumas ir bendradarbiavimas "
        "{org} rėmuose.",
        "{person} pabrėžė, kad {topic} užtikrinimas išlieka Lietuvos užsienio politikos "
        "prioritetu.",
        "Lietuva kartu su {n} kitomis valstybėmis ragino nedelsiant įgyvendinti "
        "rekomendacijas.",
        "Delegacijos susitarė konsultacijas tęsti kitais metais, o kitas susitikimas vyks "
        "mieste {city}.",
        "{person} teigė, kad Lietuvos ir {country} prekyba per metus išaugo {n} proc.",
        "Renginyje dalyvavo diplomatinio korpuso, akademinės bendruomenės ir pilietinės "
        "visuomenės atstovai.",
        "Ministras padėkojo {country} partneriams už tvirtą paramą ir solidarumą.",
        "Šalys taip pat pasikeitė nuomonėmis apie padėtį regione ir artėjančius {org} "
        "susitikimus.",
        "Prieš metus {n} valstybių iniciatyva nepriklausomas ekspertas parengė ataskaitą dėl "
        "{topic}.",
        "Lietuva ir toliau kels {topic} klausimą {org} ir dvišaliuose susitikimuose.",
    ),
    "ru": (
        "В ходе встречи стороны обсудили вопросы {topic}, региональной безопасности и "
        "сотрудничества в рамках {org}.",
        "{person} подчеркнул, что обеспечение {topic} остаётся приоритетом внешней политики "
        "Литвы.",
        "Литва вместе с {n} другими государствами призвала незамедлительно выполнить "
        "рекомендации.",
        "Делегации договорились продолжить консультации в следующем году (город: {city}).",
        "{person} отметил, что товарооборот Литвы и {country} за год вырос на {n} %.",
        "В мероприятии приняли участие представители дипломатического корпуса, научного "
        "сообщества и гражданского общества.",
        "Министр поблагодарил партнёров из {country} за неизменную поддержку и солидарность.",
        "Стороны также обменялись мнениями о ситуации в регионе и предстоящих встречах {org}.",
        "Год назад по инициативе {n} государств независимый эксперт подготовил доклад по "
        "вопросу {topic}.",
        "Литва и впредь будет поднимать вопрос {topic} в {org} и на двусторонних встречах.",
    ),
}

QUOTES = {
    "en": "„We will not accept a return to spheres of influence in Europe,“ the Minister said.",
    "lt": "„Mes nepriimsime grįžimo prie įtakos zonų Europoje,“ – sakė ministras.",
    "ru": "«Мы не примем возвращения к сферам влияния в Европе», — заявил министр.",
}
LIST_INTROS = {
    "en": "The statement was supported by the following delegations:",
    "lt": "Pareiškimą parėmė šios delegacijos:",
    "ru": "Заявление поддержали следующие делегации:",
}
SUBHEADINGS = {
    "en": ("Background", "Next steps", "Programme of the visit"),
    "lt": ("Kontekstas", "Tolesni žingsniai", "Vizito programa"),
    "ru": ("Справка", "Дальнейшие шаги", "Программа визита"),
}
TABLE_HEADERS = {
    "en": ("Date", "Event", "Venue"),
    "lt": ("Data", "Renginys", "Vieta"),
    "ru": ("Дата", "Мероприятие", "Место"),
}
TABLE_EVENTS = {
    "en": ("Bilateral meeting", "Round table on {topic}", "Press conference"),
    "lt": ("Dvišalis susitikimas", "Apskritojo stalo diskusija", "Spaudos konferencija"),
    "ru": ("Двусторонняя встреча", "Круглый стол", "Пресс-конференция"),
}
DOC_INTROS = {
    "en": ("Please find the attached", "The full text of the statement:", "Read the report:"),
    "lt": ("Pridedamas", "Visas pareiškimo tekstas:", "Ataskaita:"),
    "ru": ("Прилагается", "Полный текст заявления:", "Доклад:"),
}
DOC_TITLES = {
    "en": ("joint statement", "Statement of Lithuania", "Report (PDF)", "Programme"),
    "lt": ("bendras pareiškimas", "Lietuvos pareiškimas", "Ataskaita (PDF)", "Programa"),
    "ru": ("совместное заявление", "Заявление Литвы", "Доклад (PDF)", "Программа"),
}
CONTACT_LINES = {
    "en": ("Communication and Cultural Diplomacy Department", "Tel. +370 5 236 2516",
           "E-mail: spauda@urm.lt"),
    "lt": ("Komunikacijos ir kultūros diplomatijos departamentas", "Tel. (8 5) 236 2516",
           "El. paštas: spauda@urm.lt"),
    "ru": ("Департамент коммуникации и культурной дипломатии", "Тел. +370 5 236 2516",
           "Эл. почта: spauda@urm.lt"),
}
EDIT_NOTES = {
    "en": "Correction: the date of the next round of consultations has been updated.",
    "lt": "Patikslinta: atnaujinta kito konsultacijų etapo data.",
    "ru": "Уточнение: обновлена дата следующего раунда консультаций.",
}
TITLE_EDIT = {"en": " (updated)", "lt": " (patikslinta)", "ru": " (обновлено)"}
EVENTS_LT = (
    "Ministras {person} susitinka su {country} užsienio reikalų ministru",
    "Viceministras dalyvauja {org} susitikime",
    "Ministras {person} lankosi {country} sostinėje",
)

LANG_INDEX = {"en": 0, "lt": 1, "ru": 2}

# Transliteration for slugs. The real CMS transliterates badly at times: some slugs
# simply drop every non-ASCII letter, which `slugify(..., lossy=True)` imitates.
TRANSLIT = {
    "ą": "a", "č": "c", "ę": "e", "ė": "e", "į": "i", "š": "s", "ų": "u", "ū": "u", "ž": "z",
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "ch", "ш": "sh",
    "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}
