# ruff: noqa: SIM905  (word lists read best as plain text)
"""Word lists and name parts for the synthetic benchmark data (written for this bench).

Lists are ordered roughly from most to least frequent; the generator draws from them with a
Zipf-like weighting, so the first words are common and the tail is rare, as in real text.
"""

# --- English -------------------------------------------------------------------------------

EN_FUNCTION = """  # noqa: SIM905
the of and to in a on for with by at from as its their this that between during which
who also were was is has have been both two sides its an further more other all these
""".split()

EN_CONTENT = """
cooperation delegation visit security defense ministry meeting partnership strategy training
exchange terrorism counterterrorism financing ideology communication military officers
university research students academy program conference forum summit bilateral regional
international national development economy trade investment energy infrastructure health
education culture heritage technology innovation cyber maritime border aviation navy army
intelligence analysis capacity building exercise joint operations peace stability
humanitarian relief aid crisis response emergency climate environment water agriculture food
transport logistics industry manufacturing procurement equipment systems standards
governance reform policy law justice rights women youth media information digital data space
satellite science engineering medicine hospital vaccine pandemic preparedness resilience
coordination consultation dialogue memorandum understanding protocol treaty convention
framework roadmap plan initiative project mission embassy ambassador consul attache
secretary general director commander chief staff president rector dean professor guests
hosts welcomed received discussed reviewed signed agreed presented briefed visited toured
attended highlighted stressed emphasized underlined praised thanked expressed reaffirmed
explored examined addressed opened launched concluded inaugurated honoured strategic mutual
common shared fruitful productive constructive cordial friendly historic important
significant key ongoing future recent annual official senior technical academic scientific
economic cultural diplomatic delegates experts specialists researchers cadets graduates
curriculum seminar workshop lecture presentation briefing tour facilities headquarters
campus laboratory center institute college faculty department directorate division unit
command brigade battalion squadron fleet frigate corvette submarine helicopter aircraft
drone radar missile artillery armour infantry engineers medical signals doctrine
interoperability readiness deployment patrol surveillance reconnaissance demining
peacekeeping stabilization reconstruction recovery migration refugees smuggling trafficking
narcotics piracy extremism radicalization propaganda recruitment prevention deradicalization
rehabilitation reintegration counterfeiting laundering sanctions compliance oversight audit
transparency accountability integrity ethics leadership management administration budget
finance resources personnel careers scholarships fellowships alumni partnerships networks
alliances coalition members states governments authorities institutions agencies
organizations communities societies citizens population public private sector companies
enterprises industries markets exports imports tariffs customs ports railways highways
airports pipelines electricity renewable solar wind nuclear hydrogen oil gas mining minerals
fisheries forests drought desertification floods earthquakes disasters warning
meteorology oceanography geography history archives museum library manuscripts language
translation literature arts music sports tourism hospitality pilgrimage festival
exhibition ceremony anniversary award medal certificate graduation promotion appointment
retirement farewell condolences congratulations greetings invitation hospitality schedule
agenda minutes outcomes recommendations proposals commitments pledges contributions
funding grants loans debt growth inflation employment unemployment poverty inequality
inclusion gender disability children elderly families housing urban rural villages
provinces districts municipalities mayors governors parliament senate assembly committee
council commission tribunal court prosecutors police gendarmerie guard coastguard firefighters
paramedics nurses doctors surgeons pharmacists laboratories diagnostics epidemiology
surveillance outbreak quarantine immunization nutrition sanitation hygiene
""".split()

# --- French --------------------------------------------------------------------------------

FR_FUNCTION = """
de la le les des et à en du pour une un dans sur par avec au aux que qui est a été ont
ainsi leurs leur cette ces entre lors deux parties son sa ses plus autres tous
""".split()

FR_CONTENT = """
coopération délégation visite sécurité défense ministère réunion partenariat stratégie
formation échange terrorisme lutte financement idéologie communication militaire officiers
université recherche étudiants académie programme conférence forum sommet bilatéral
régional international national développement économie commerce investissement énergie
infrastructures santé éducation culture patrimoine technologie innovation cybersécurité
maritime frontière aviation marine armée renseignement analyse capacités renforcement
exercice conjoint opérations paix stabilité humanitaire secours aide crise réponse urgence
climat environnement eau agriculture alimentation transport logistique industrie
fabrication acquisition équipements systèmes normes gouvernance réforme politique droit
justice droits femmes jeunesse médias information numérique données espace satellite
science ingénierie médecine hôpital vaccin pandémie préparation résilience coordination
consultation dialogue mémorandum entente protocole traité convention cadre feuille route
plan initiative projet mission ambassade ambassadeur consul attaché secrétaire général
directeur commandant chef président recteur doyen professeur invités hôtes accueilli
reçu discuté examiné signé convenu présenté informé visité parcouru assisté souligné insisté
salué remercié exprimé réaffirmé exploré abordé ouvert lancé conclu inauguré honoré
stratégique mutuel commun partagé fructueux productif constructif cordial amical historique
important significatif essentiel actuel futur récent annuel officiel supérieur technique
académique scientifique économique culturel diplomatique délégués experts spécialistes
chercheurs élèves diplômés cursus séminaire atelier conférencier exposé briefing tournée
installations quartier campus laboratoire centre institut collège faculté département
direction division unité commandement brigade bataillon escadron flotte frégate corvette
sous-marin hélicoptère aéronef drone radar missile artillerie blindés infanterie génie
transmissions doctrine interopérabilité disponibilité déploiement patrouille surveillance
reconnaissance déminage maintien stabilisation reconstruction relèvement migration
réfugiés contrebande traite stupéfiants piraterie extrémisme radicalisation propagande
recrutement prévention déradicalisation réhabilitation réinsertion contrefaçon blanchiment
sanctions conformité contrôle audit transparence responsabilité intégrité éthique
leadership gestion administration budget finances ressources personnel carrières bourses
anciens réseaux alliances coalition membres États gouvernements autorités institutions
agences organisations communautés sociétés citoyens population public privé secteur
entreprises industries marchés exportations importations tarifs douanes ports chemins fer
autoroutes aéroports oléoducs électricité renouvelables solaire éolien nucléaire hydrogène
pétrole gaz mines minerais pêche forêts sécheresse désertification inondations séismes
catastrophes alerte météorologie océanographie géographie histoire archives musée
bibliothèque manuscrits langue traduction littérature arts musique sports tourisme
hospitalité pèlerinage festival exposition cérémonie anniversaire prix médaille certificat
promotion nomination retraite adieux condoléances félicitations salutations invitation
calendrier ordre jour procès-verbal résultats recommandations propositions engagements
promesses contributions subventions prêts dette croissance inflation emploi chômage
pauvreté inégalités inclusion égalité handicap enfants aînés familles logement urbain rural
villages provinces districts municipalités maires gouverneurs parlement sénat assemblée
comité conseil commission tribunal cour procureurs police gendarmerie garde pompiers
ambulanciers infirmiers médecins chirurgiens pharmaciens diagnostic épidémiologie foyer
quarantaine immunisation nutrition assainissement hygiène
""".split()

# --- Topics (visit_topics.topic) -----------------------------------------------------------

TOPICS = [
    "ideology",
    "communications",
    "counter-terrorist financing",
    "military",
    "training",
    "education",
    "research",
    "maritime security",
    "cyber security",
    "border security",
    "intelligence",
    "humanitarian aid",
    "health",
    "energy",
    "trade",
    "culture",
    "peacekeeping",
    "disaster relief",
    "procurement",
    "diplomacy",
]

# --- Places: (code, English name, French name, English adjective, cities) -------------------

COUNTRIES = [
    ("SA", "Saudi Arabia", "Arabie saoudite", "Saudi", ["Riyadh", "Jeddah", "Dammam"]),
    ("PK", "Pakistan", "Pakistan", "Pakistani", ["Islamabad", "Rawalpindi", "Lahore"]),
    ("FR", "France", "France", "French", ["Paris", "Toulon", "Brest", "Saint-Cyr"]),
    ("US", "United States", "États-Unis", "American", ["Washington", "Norfolk", "Tampa"]),
    ("GB", "United Kingdom", "Royaume-Uni", "British", ["London", "Sandhurst"]),
    ("EG", "Egypt", "Égypte", "Egyptian", ["Cairo", "Alexandria"]),
    ("MA", "Morocco", "Maroc", "Moroccan", ["Rabat", "Casablanca", "Kénitra"]),
    ("DZ", "Algeria", "Algérie", "Algerian", ["Alger", "Oran"]),
    ("TN", "Tunisia", "Tunisie", "Tunisian", ["Tunis", "Sfax"]),
    ("SN", "Senegal", "Sénégal", "Senegalese", ["Dakar", "Thiès"]),
    ("CI", "Côte d'Ivoire", "Côte d'Ivoire", "Ivorian", ["Abidjan", "Yamoussoukro"]),
    ("NG", "Nigeria", "Nigéria", "Nigerian", ["Abuja", "Lagos", "Kaduna"]),
    ("KE", "Kenya", "Kenya", "Kenyan", ["Nairobi", "Mombasa"]),
    ("TR", "Türkiye", "Turquie", "Turkish", ["Ankara", "İstanbul", "İzmir"]),
    ("AE", "United Arab Emirates", "Émirats arabes unis", "Emirati", ["Abu Dhabi", "Dubai"]),
    ("QA", "Qatar", "Qatar", "Qatari", ["Doha"]),
    ("JO", "Jordan", "Jordanie", "Jordanian", ["Amman", "Zarqa"]),
    ("OM", "Oman", "Oman", "Omani", ["Muscat", "Salalah"]),
    ("KW", "Kuwait", "Koweït", "Kuwaiti", ["Kuwait City"]),
    ("BH", "Bahrain", "Bahreïn", "Bahraini", ["Manama"]),
    ("ID", "Indonesia", "Indonésie", "Indonesian", ["Jakarta", "Bandung"]),
    ("MY", "Malaysia", "Malaisie", "Malaysian", ["Kuala Lumpur", "Putrajaya"]),
    ("IN", "India", "Inde", "Indian", ["New Delhi", "Pune"]),
    ("CN", "China", "Chine", "Chinese", ["Beijing", "Nanjing"]),
    ("JP", "Japan", "Japon", "Japanese", ["Tokyo", "Yokosuka"]),
    ("DE", "Germany", "Allemagne", "German", ["Berlin", "Koblenz", "Hamburg"]),
    ("IT", "Italy", "Italie", "Italian", ["Rome", "Modena"]),
    ("ES", "Spain", "Espagne", "Spanish", ["Madrid", "Zaragoza"]),
    ("BR", "Brazil", "Brésil", "Brazilian", ["Brasília", "Rio de Janeiro"]),
    ("CO", "Colombia", "Colombie", "Colombian", ["Bogotá", "Medellín"]),
    ("CA", "Canada", "Canada", "Canadian", ["Ottawa", "Montréal", "Québec", "Kingston"]),
    ("BE", "Belgium", "Belgique", "Belgian", ["Bruxelles", "Liège"]),
    ("CH", "Switzerland", "Suisse", "Swiss", ["Genève", "Zürich", "Bern"]),
    ("NE", "Niger", "Niger", "Nigerien", ["Niamey"]),
    ("ML", "Mali", "Mali", "Malian", ["Bamako"]),
    ("TD", "Chad", "Tchad", "Chadian", ["N'Djaména"]),
    ("MR", "Mauritania", "Mauritanie", "Mauritanian", ["Nouakchott"]),
    ("SD", "Sudan", "Soudan", "Sudanese", ["Khartoum"]),
    ("BD", "Bangladesh", "Bangladesh", "Bangladeshi", ["Dhaka", "Chittagong"]),
    ("UZ", "Uzbekistan", "Ouzbékistan", "Uzbek", ["Tashkent", "Samarkand"]),
]

# --- Organizations ---------------------------------------------------------------------------

# (English name, French name, Arabic name or None, acronym or None)
MINISTRIES = [
    ("Ministry of Defense", "Ministère de la Défense", "وزارة الدفاع", "MoD"),
    ("Ministry of Foreign Affairs", "Ministère des Affaires étrangères", "وزارة الخارجية", "MFA"),
    ("Ministry of Interior", "Ministère de l'Intérieur", "وزارة الداخلية", "MoI"),
    (
        "Ministry of Higher Education",
        "Ministère de l'Enseignement supérieur",
        "وزارة التعليم العالي",
        None,
    ),
    ("Ministry of Health", "Ministère de la Santé", "وزارة الصحة", None),
    ("Ministry of Energy", "Ministère de l'Énergie", "وزارة الطاقة", None),
    ("Ministry of Justice", "Ministère de la Justice", "وزارة العدل", None),
]

# Universities several countries have under the same name (the API's worked example).
SHARED_UNIVERSITIES = [
    (
        "National Defense University",
        "Université de la Défense nationale",
        "جامعة الدفاع الوطني",
        "NDU",
        ["PK", "SA", "US", "CN", "JO", "NG", "MY"],
    ),
    ("War College", "École de guerre", "كلية الحرب", None, ["FR", "EG", "IN", "TR", "BD"]),
    (
        "Naval Academy",
        "École navale",
        "الأكاديمية البحرية",
        None,
        ["FR", "US", "TR", "IT", "DE", "ID", "OM"],
    ),
]

INTERNATIONAL = [
    (
        "Islamic Military Counter Terrorism Coalition",
        "Coalition islamique militaire contre le terrorisme",
        "التحالف الإسلامي العسكري لمحاربة الإرهاب",
        "IMCTC",
        "CIMCT",
        "SA",
        "Riyadh",
    ),
    ("African Union", "Union africaine", "الاتحاد الأفريقي", "AU", "UA", None, "Addis Ababa"),
    (
        "Organisation of Islamic Cooperation",
        "Organisation de la coopération islamique",
        "منظمة التعاون الإسلامي",
        "OIC",
        "OCI",
        "SA",
        "Jeddah",
    ),
    (
        "Gulf Cooperation Council",
        "Conseil de coopération du Golfe",
        "مجلس التعاون الخليجي",
        "GCC",
        "CCG",
        "SA",
        "Riyadh",
    ),
    (
        "North Atlantic Treaty Organization",
        "Organisation du traité de l'Atlantique nord",
        None,
        "NATO",
        "OTAN",
        "BE",
        "Bruxelles",
    ),
    (
        "League of Arab States",
        "Ligue des États arabes",
        "جامعة الدول العربية",
        None,
        None,
        "EG",
        "Cairo",
    ),
    (
        "United Nations Office on Drugs and Crime",
        "Office des Nations unies contre la drogue et le crime",
        None,
        "UNODC",
        "ONUDC",
        None,
        "Vienna",
    ),
    (
        "Economic Community of West African States",
        "Communauté économique des États de l'Afrique de l'Ouest",
        None,
        "ECOWAS",
        "CEDEAO",
        "NG",
        "Abuja",
    ),
    (
        "International Committee of the Red Cross",
        "Comité international de la Croix-Rouge",
        "اللجنة الدولية للصليب الأحمر",
        "ICRC",
        "CICR",
        "CH",
        "Genève",
    ),
    (
        "Arab Maghreb Union",
        "Union du Maghreb arabe",
        "اتحاد المغرب العربي",
        "AMU",
        "UMA",
        "MA",
        "Rabat",
    ),
    ("Sahel Alliance", "Alliance Sahel", None, None, None, None, None),
    ("Indian Ocean Commission", "Commission de l'océan Indien", None, "IOC", "COI", None, None),
]

# Name patterns by kind; {adj}, {city}, {country}, {word} are filled in by the generator.
ORG_PATTERNS = [
    ("armed_forces", "{adj} Armed Forces", "Forces armées ({country_fr})"),
    ("armed_forces", "{adj} Navy", "Marine ({country_fr})"),
    ("armed_forces", "{adj} Air Force", "Armée de l'air ({country_fr})"),
    ("armed_forces", "{adj} Land Forces", "Forces terrestres ({country_fr})"),
    ("university", "University of {city}", "Université de {city}"),
    ("university", "{city} Institute of Technology", "Institut de technologie de {city}"),
    ("university", "{adj} Military Academy", "Académie militaire ({country_fr})"),
    (
        "university",
        "{city} School of International Studies",
        "École d'études internationales de {city}",
    ),
    ("government", "Office of the Prime Minister", "Cabinet du Premier ministre"),
    ("government", "National Security Council", "Conseil de sécurité nationale"),
    ("government", "{city} Governorate", "Gouvernorat de {city}"),
    ("ngo", "{city} Center for Strategic Studies", "Centre d'études stratégiques de {city}"),
    ("ngo", "{adj} Red Crescent Society", "Croissant-Rouge ({country_fr})"),
    ("media", "{adj} News Agency", "Agence de presse ({country_fr})"),
    ("media", "{city} Daily", None),
    ("company", "{word} Defense Systems", None),
    ("company", "{word} Aerospace", None),
    ("other", "{city} Chamber of Commerce", "Chambre de commerce de {city}"),
]

COMPANY_WORDS = [
    "Atlas",
    "Falcon",
    "Orion",
    "Meridian",
    "Sentinel",
    "Horizon",
    "Zenith",
    "Crescent",
    "Aurora",
    "Vanguard",
    "Summit",
    "Polaris",
    "Cedar",
    "Oasis",
    "Delta",
    "Nova",
]

# --- People ------------------------------------------------------------------------------------

GIVEN_NAMES = """
Mohammed Ahmed Ali Omar Khalid Fatima Aisha Hassan Youssef Ibrahim Abdullah Saeed Sultan
Faisal Nasser Tariq Imran Zainab Maryam Jean Pierre Marie Sophie Claire Luc Antoine Isabelle
John James Michael Sarah Emily David Robert Laura Carlos Ana Luis Elena Sergei Olga Ivan Wei
Li Chen Hiroshi Yuki Kenji Amina Kwame Chinedu Ngozi Fatou Mamadou Aminata Priya Rahul Arjun
Ayesha Bilal Mustafa Emre Elif Mehmet Reza Leila Hamid Rashid Salim Karim Nadia Samira Yasmin
Hélène François Gérard Thérèse Benoît Zoé Raphaël Chloé Mathéo Léa Noémie Sébastien
""".split()

FAMILY_NAMES = """
Al-Moghidi Al-Rashid Al-Harbi Al-Qahtani Al-Otaibi Al-Shehri Al-Ghamdi Al-Zahrani Khan Malik
Hussain Qureshi Dubois Martin Bernard Lefèvre Moreau Girard Smith Johnson Brown Williams
García Fernández López Ivanov Petrov Wang Zhang Tanaka Sato Okafor Mensah Diallo Traoré
Ndiaye Sharma Patel Singh Yılmaz Kaya Demir Hosseini Karimi Haddad Khoury Mansour Nasser
Saleh Aziz Farouk El-Sayed Benali Bouzid Chaouki Belkacem Ouédraogo Koné Coulibaly Touré
Nakamura Kim Park Müller Schmidt Rossi Bianchi Silva Santos Oliveira Novak Kowalski
""".split()

# Transliteration variants used for aliases ("Mohammed" is also "Mohammad", "Muhammad"…).
VARIANTS = {
    "Mohammed": ["Mohammad", "Muhammad", "Mohamed"],
    "Ahmed": ["Ahmad"],
    "Youssef": ["Yusuf", "Youcef"],
    "Omar": ["Umar"],
    "Hussain": ["Hussein", "Husain"],
    "Saeed": ["Said", "Sa'id"],
    "Khalid": ["Khaled"],
    "Abdullah": ["Abdallah"],
    "Faisal": ["Faysal"],
    "Tariq": ["Tarek"],
    "Al-Moghidi": ["Al-Moghedi", "Al-Mughaidi"],
    "Al-Rashid": ["Al-Rasheed", "El-Rachid"],
    "Al-Harbi": ["Al Harbi", "El-Harbi"],
    "Al-Qahtani": ["Al-Kahtani"],
    "Al-Otaibi": ["Al-Utaybi"],
    "El-Sayed": ["Al-Sayyid", "El Said"],
    "Mansour": ["Mansur"],
    "Nasser": ["Nasir"],
    "Farouk": ["Faruq"],
    "Hosseini": ["Husseini"],
    "Yılmaz": ["Yilmaz"],
    "Ouédraogo": ["Ouedraogo"],
    "Traoré": ["Traore"],
    "Touré": ["Toure"],
}

HONORIFICS = [
    "General",
    "Major General",
    "Lieutenant General",
    "Brigadier General",
    "Colonel",
    "Admiral",
    "Rear Admiral",
    "Dr.",
    "Prof.",
    "H.E.",
    "Ambassador",
]

POSITION_TITLES = [
    "Secretary-General",
    "Minister",
    "Deputy Minister",
    "Director",
    "Deputy Director",
    "Chief of Staff",
    "Commander",
    "Rector",
    "Dean",
    "Ambassador",
    "Head of Cooperation",
    "Senior Advisor",
    "Defense Attaché",
    "Spokesperson",
    "Head of Research",
]

MEMBER_ROLES = ["head", "member", "advisor", "liaison officer", "interpreter", None]
PARTICIPANT_ROLES = ["host", "speaker", "moderator", "escort", None]
VENUES = [
    "Headquarters",
    "Main Auditorium",
    "Conference Hall",
    "Officers' Club",
    "Campus",
    "Palais des congrès",
    "Salle d'honneur",
]
