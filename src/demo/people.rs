//! The demo participants: organisations by sector, names by country, job titles, short bios and
//! what they answer on registration forms. Everything comes from the lists below and a seeded
//! generator, so every run makes the same people.
//!
//! Companies (pharma, SMEs, consultancies) and patient organisations are invented; universities,
//! hospitals, regulators and funders are real public institutions. Every e-mail address is under
//! the reserved `.example` top-level domain, so no real mailbox can ever receive anything.

use std::collections::HashSet;

/// A small deterministic generator (SplitMix64): the same seed gives the same demo every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index into `weights`, each chosen in proportion to its weight.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(total.max(1) as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

/// Therapeutic areas: the options of the demo's "Which therapeutic areas interest you?" question.
pub const AREAS: &[&str] = &[
    "Oncology",
    "Infectious diseases and AMR",
    "Neuroscience",
    "Immunology and inflammation",
    "Rare diseases",
    "Cardiometabolic diseases",
    "Respiratory diseases",
    "Vaccines",
    "Digital health and AI",
    "Regulatory science and HTA",
];

/// The same areas inside a sentence.
const AREA_PHRASES: &[&str] = &[
    "oncology",
    "infectious diseases and AMR",
    "neuroscience",
    "immunology",
    "rare diseases",
    "cardiometabolic disease",
    "respiratory disease",
    "vaccines",
    "digital health",
    "regulatory science",
];

pub const INFECTIOUS: usize = 1;
const REGULATORY: usize = 9;

/// Research topics, each with its therapeutic area.
const TOPICS: &[(&str, usize)] = &[
    ("the tumour microenvironment and resistance to checkpoint inhibitors", 0),
    ("liquid biopsies for early cancer detection", 0),
    ("antibody–drug conjugates", 0),
    ("new antibiotics against Gram-negative bacteria", 1),
    ("phage therapy for chronic infections", 1),
    ("rapid diagnostics for sepsis", 1),
    ("tuberculosis drug discovery", 1),
    ("antifungal resistance", 1),
    ("alpha-synuclein in Parkinson's disease", 2),
    ("blood-based biomarkers for Alzheimer's disease", 2),
    ("neuroinflammation and microglia", 2),
    ("B-cell biology in autoimmune disease", 3),
    ("inflammatory bowel disease and the gut microbiome", 3),
    ("targeted therapies for rheumatoid arthritis", 3),
    ("gene therapy for inherited retinal diseases", 4),
    ("lysosomal storage disorders", 4),
    ("natural history studies in ultra-rare paediatric diseases", 4),
    ("heart failure with preserved ejection fraction", 5),
    ("obesity and type 2 diabetes", 5),
    ("metabolic liver disease (MASLD/MASH)", 5),
    ("COPD exacerbations", 6),
    ("idiopathic pulmonary fibrosis", 6),
    ("mRNA vaccine design", 7),
    ("RSV vaccines for older adults", 7),
    ("correlates of protection in vaccine trials", 7),
    ("machine learning on real-world health data", 8),
    ("digital endpoints from wearable sensors", 8),
    ("federated analysis of hospital data", 8),
    ("regulatory acceptance of novel endpoints", 9),
    ("health technology assessment of advanced therapies", 9),
    ("organ-on-chip models to replace animal testing", 9),
];

pub struct Org {
    pub name: &'static str,
    /// Mail domain, always under `.example`.
    pub domain: &'static str,
    pub country: &'static str,
    /// The therapeutic area the organisation works in, when it has one.
    pub focus: Option<usize>,
}

const fn org(name: &'static str, domain: &'static str, country: &'static str) -> Org {
    Org { name, domain, country, focus: None }
}

const fn focused(name: &'static str, domain: &'static str, country: &'static str, area: usize) -> Org {
    Org { name, domain, country, focus: Some(area) }
}

const ACADEMIA: &[Org] = &[
    org("KU Leuven", "kuleuven.example", "BE"),
    org("Ghent University", "ugent.example", "BE"),
    org("Université catholique de Louvain", "uclouvain.example", "BE"),
    org("Vrije Universiteit Brussel", "vub.example", "BE"),
    org("Karolinska Institutet", "ki.example", "SE"),
    org("Uppsala University", "uu.example", "SE"),
    org("Charité – Universitätsmedizin Berlin", "charite.example", "DE"),
    org("Heidelberg University", "uni-heidelberg.example", "DE"),
    focused("Helmholtz Centre for Infection Research", "helmholtz-hzi.example", "DE", 1),
    org("LMU Munich", "lmu.example", "DE"),
    org("European Molecular Biology Laboratory (EMBL)", "embl.example", "DE"),
    org("University of Oxford", "ox.example", "GB"),
    org("University of Cambridge", "cam.example", "GB"),
    org("Imperial College London", "imperial.example", "GB"),
    org("Institut Pasteur", "pasteur.example", "FR"),
    org("Inserm", "inserm.example", "FR"),
    org("Sorbonne Université", "sorbonne-universite.example", "FR"),
    org("Utrecht University", "utrecht.example", "NL"),
    org("University of Amsterdam", "uva.example", "NL"),
    org("Leiden University", "leidenuniv.example", "NL"),
    org("ETH Zurich", "ethz.example", "CH"),
    org("University of Basel", "unibas.example", "CH"),
    org("University of Copenhagen", "ucph.example", "DK"),
    org("Aarhus University", "au.example", "DK"),
    org("University of Helsinki", "helsinki.example", "FI"),
    org("University of Milan", "unimi.example", "IT"),
    org("University of Padua", "unipd.example", "IT"),
    org("Sapienza University of Rome", "uniroma1.example", "IT"),
    org("University of Barcelona", "ub.example", "ES"),
    focused("Spanish National Cancer Research Centre (CNIO)", "cnio.example", "ES", 0),
    org("Jagiellonian University", "uj.example", "PL"),
    org("Medical University of Vienna", "meduniwien.example", "AT"),
    org("University of Lisbon", "ulisboa.example", "PT"),
    org("Trinity College Dublin", "tcd.example", "IE"),
    org("Weizmann Institute of Science", "weizmann.example", "IL"),
    org("University of Toronto", "utoronto.example", "CA"),
    org("The University of Tokyo", "u-tokyo.example", "JP"),
];

const PHARMA: &[Org] = &[
    org("Novaris Pharma AG", "novaris-pharma.example", "CH"),
    org("Helvion Pharma", "helvion.example", "CH"),
    org("Rhenania Pharma GmbH", "rhenania-pharma.example", "DE"),
    org("Valmont Laboratoires", "valmont-labs.example", "FR"),
    org("Bramford Biopharma", "bramford.example", "GB"),
    org("Nordvik Pharmaceuticals A/S", "nordvik.example", "DK"),
    org("Lysandre Pharma SA", "lysandre.example", "BE"),
    org("Castellan Therapeutics B.V.", "castellan.example", "NL"),
    org("Medivara S.p.A.", "medivara.example", "IT"),
    org("Iberfarma Global", "iberfarma.example", "ES"),
    org("Öresund Biologics AB", "oresund-bio.example", "SE"),
    org("Alpenwerk Biopharma", "alpenwerk.example", "AT"),
    org("Vistula Pharma S.A.", "vistula-pharma.example", "PL"),
    org("Kestrel Pharmaceuticals Inc.", "kestrel-pharma.example", "US"),
    org("Tamaki Pharmaceutical Co.", "tamaki-pharma.example", "JP"),
];

const BIOTECH_SME: &[Org] = &[
    org("CellCircuit Bio", "cellcircuit.example", "NL"),
    focused("PeptiQ Solutions ApS", "peptiq.example", "DK", 1),
    focused("Mycelia Diagnostics", "mycelia-dx.example", "BE", 1),
    focused("NanoVexa Therapeutics", "nanovexa.example", "FR", 0),
    org("Aptamera GmbH", "aptamera.example", "DE"),
    org("OrganoidWorks B.V.", "organoidworks.example", "NL"),
    focused("Phagenix Biotech", "phagenix.example", "PL", 1),
    focused("Biofilmix Ltd", "biofilmix.example", "IE", 1),
    org("Lumen Proteomics Oy", "lumenproteomics.example", "FI"),
    focused("Quillon Bioinformatics", "quillon.example", "PT", 8),
    focused("Saluvia Analytics S.L.", "saluvia.example", "ES", 8),
    org("Rivulet Biosciences", "rivulet-bio.example", "AT"),
    focused("Vireon Biotech SA", "vireon.example", "CH", 7),
    focused("Synaptra Neurosciences", "synaptra.example", "DE", 2),
    org("Calyxa Biologics AB", "calyxa.example", "SE"),
    focused("Trellis Antibodies", "trellis-ab.example", "BE", 0),
    org("Fenwick Genomics Ltd", "fenwick-genomics.example", "GB"),
    focused("Gliaxis S.r.l.", "gliaxis.example", "IT", 2),
];

const HOSPITAL: &[Org] = &[
    org("UZ Leuven", "uzleuven.example", "BE"),
    org("Cliniques universitaires Saint-Luc", "saintluc.example", "BE"),
    org("Karolinska University Hospital", "karolinska-hospital.example", "SE"),
    org("Erasmus MC", "erasmusmc.example", "NL"),
    org("Leiden University Medical Center", "lumc.example", "NL"),
    focused("Hôpital Necker–Enfants Malades (AP-HP)", "aphp.example", "FR", 4),
    org("Heidelberg University Hospital", "ukhd.example", "DE"),
    org("Rigshospitalet", "rigshospitalet.example", "DK"),
    org("Vall d'Hebron University Hospital", "vallhebron.example", "ES"),
    org("Fondazione Policlinico Universitario A. Gemelli IRCCS", "policlinicogemelli.example", "IT"),
    focused("Great Ormond Street Hospital", "gosh.example", "GB", 4),
    org("University Hospital Zurich", "usz.example", "CH"),
    org("Helsinki University Hospital", "hus.example", "FI"),
    org("St James's Hospital, Dublin", "stjames.example", "IE"),
    org("Hospital de Santa Maria", "hsm-lisboa.example", "PT"),
    org("University Clinical Centre in Gdańsk", "uck.example", "PL"),
];

const PATIENT_ORG: &[Org] = &[
    focused("European Rare Disease Patients' Alliance", "erdpa.example", "BE", 4),
    focused("Nordic Lung Patients Network", "nordiclung.example", "SE", 6),
    focused("Cancer Patients Voice Europe", "cpve.example", "BE", 0),
    focused("Dementie Samen Nederland", "dementiesamen.example", "NL", 2),
    focused("Diabète Ensemble France", "diabete-ensemble.example", "FR", 5),
    focused("Associazione Pazienti Fibrosi Polmonare", "apfp.example", "IT", 6),
    focused("Patientenallianz Seltene Erkrankungen", "pase.example", "DE", 4),
    focused("Sepsis Survivors Network Ireland", "sepsis-survivors.example", "IE", 1),
];

const REGULATOR: &[Org] = &[
    focused("European Medicines Agency", "ema.example", "NL", REGULATORY),
    focused("Paul-Ehrlich-Institut", "pei.example", "DE", 7),
    focused("Federal Agency for Medicines and Health Products (FAMHP)", "famhp.example", "BE", REGULATORY),
    focused("Belgian Health Care Knowledge Centre (KCE)", "kce.example", "BE", REGULATORY),
    focused("Haute Autorité de Santé (HAS)", "has-sante.example", "FR", REGULATORY),
    focused("Italian Medicines Agency (AIFA)", "aifa.example", "IT", REGULATORY),
    focused("Spanish Agency of Medicines and Medical Devices (AEMPS)", "aemps.example", "ES", REGULATORY),
    focused("Swissmedic", "swissmedic.example", "CH", REGULATORY),
    focused("Medicines and Healthcare products Regulatory Agency (MHRA)", "mhra.example", "GB", REGULATORY),
    focused("Zorginstituut Nederland", "zinl.example", "NL", REGULATORY),
    focused("Swedish Medical Products Agency", "lakemedelsverket.example", "SE", REGULATORY),
];

const FUNDER: &[Org] = &[
    org("Innovative Health Initiative (IHI) Programme Office", "ihi.example", "BE"),
    org("European Commission, DG Research and Innovation", "ec.example", "BE"),
    org("Research Foundation – Flanders (FWO)", "fwo.example", "BE"),
    org("German Research Foundation (DFG)", "dfg.example", "DE"),
    org("ZonMw", "zonmw.example", "NL"),
    org("French National Research Agency (ANR)", "anr.example", "FR"),
    org("Swiss National Science Foundation", "snf.example", "CH"),
    org("Instituto de Salud Carlos III", "isciii.example", "ES"),
    org("Research Council of Finland", "aka.example", "FI"),
    org("Foundation for Science and Technology (FCT)", "fct.example", "PT"),
    org("Health Research Board", "hrb.example", "IE"),
    org("National Science Centre Poland", "ncn.example", "PL"),
];

const OTHER: &[Org] = &[
    org("Meridian Grants Consulting", "meridian-grants.example", "BE"),
    org("Kinetic Clinical Research", "kinetic-cro.example", "DE"),
    org("EuroBridge Technology Transfer", "eurobridge-tt.example", "NL"),
    org("Lexhealth Avocats", "lexhealth.example", "FR"),
    org("Lisbon Health Innovation Hub", "lhih.example", "PT"),
    org("Neckar Life Sciences Cluster", "neckar-cluster.example", "DE"),
    focused("Stewardly Data Services", "stewardly.example", "DK", 8),
    org("Tangent Market Access", "tangent-ma.example", "GB"),
];

/// (sector code, weight, organisations): academia and pharma make up most of the room.
const SECTORS: &[(&str, u32, &[Org])] = &[
    ("academia", 32, ACADEMIA),
    ("pharma", 22, PHARMA),
    ("biotech_sme", 16, BIOTECH_SME),
    ("hospital", 11, HOSPITAL),
    ("patient_org", 6, PATIENT_ORG),
    ("regulator", 4, REGULATOR),
    ("funder", 4, FUNDER),
    ("other", 5, OTHER),
];

const JOB_TITLES: &[(&str, &[&str])] = &[
    (
        "academia",
        &[
            "Professor of Medicinal Chemistry",
            "Associate Professor of Immunology",
            "Assistant Professor of Pharmacology",
            "Postdoctoral researcher",
            "PhD candidate",
            "Group leader, Structural Biology",
            "Senior scientist, Translational Oncology",
            "Research manager, Grants Office",
            "EU project manager",
            "Head of the Bioinformatics Core Facility",
            "Professor of Microbiology",
            "Lecturer in Clinical Epidemiology",
        ],
    ),
    (
        "pharma",
        &[
            "Director, External Innovation",
            "Head of Scientific Partnerships",
            "Principal Scientist, Discovery Biology",
            "Senior Director, Translational Medicine",
            "Alliance Manager",
            "Medical Affairs Lead",
            "Public-Private Partnerships Lead",
            "Associate Director, Clinical Pharmacology",
            "Head of Open Innovation Europe",
            "Regulatory Science Lead",
            "Senior Scientist, Biomarkers",
        ],
    ),
    (
        "biotech_sme",
        &[
            "Founder and CEO",
            "Chief Scientific Officer",
            "Head of Business Development",
            "Co-founder and CTO",
            "Senior Scientist",
            "R&D Director",
            "Grants and Partnerships Manager",
        ],
    ),
    (
        "hospital",
        &[
            "Consultant in Infectious Diseases",
            "Clinical Research Coordinator",
            "Head of the Clinical Trials Unit",
            "Paediatric Oncologist",
            "Research Nurse",
            "Professor of Clinical Microbiology",
            "Data Manager, Biobank",
            "Pulmonologist and clinical investigator",
        ],
    ),
    (
        "patient_org",
        &[
            "Patient Advocate",
            "Policy Officer",
            "Research Liaison Officer",
            "Executive Director",
            "Patient Engagement Coordinator",
        ],
    ),
    (
        "regulator",
        &[
            "Scientific Officer",
            "Senior Assessor, Clinical Pharmacology",
            "Head of the Innovation Office",
            "HTA Methodologist",
            "Scientific Advice Coordinator",
        ],
    ),
    (
        "funder",
        &[
            "Programme Officer",
            "Scientific Project Officer",
            "Head of Health Research Programmes",
            "Policy Advisor, Life Sciences",
        ],
    ),
    (
        "other",
        &[
            "Senior Consultant, EU Funding",
            "Technology Transfer Manager",
            "Cluster Manager",
            "Legal Counsel, Research Contracts",
            "Business Developer, CRO Services",
            "Data Protection Officer",
        ],
    ),
];

/// Bio templates per sector: `{topic}` and `{org}` are filled in.
const BIOS: &[(&str, &[&str])] = &[
    (
        "academia",
        &[
            "My group at {org} studies {topic}. We are looking for industry partners to validate our findings and take them towards the clinic.",
            "Researcher working on {topic}. Experienced in EU-funded consortia and happy to join a proposal as work package leader.",
            "I coordinate research projects on {topic} at {org} and help our scientists find partners for public-private calls.",
            "Translational scientist interested in {topic}. Our lab offers well-characterised patient samples and in vivo models.",
        ],
    ),
    (
        "pharma",
        &[
            "I look after external innovation in {topic} and scout for academic and SME partners for public-private projects.",
            "Fifteen years in drug discovery, now leading our work on {topic}. Keen to hear pitches from academic groups.",
            "Responsible for {org}'s participation in IHI projects; current focus on {topic}.",
        ],
    ),
    (
        "biotech_sme",
        &[
            "{org} is an SME developing a platform for {topic}. We would like to join a consortium as technology provider.",
            "Founder of a spin-off working on {topic}; interested in pilots with pharma partners and clinical validation sites.",
            "We offer contract research and assay development around {topic} and are looking for EU consortia to join.",
        ],
    ),
    (
        "hospital",
        &[
            "Clinician-scientist at {org} with a research focus on {topic}. We run a clinical trial network and a biobank.",
            "I coordinate investigator-initiated studies on {topic} and can bring well-documented patient cohorts to consortia.",
        ],
    ),
    (
        "patient_org",
        &[
            "I represent patients and families at {org} and want their voice to shape research on {topic} from the start.",
            "Our organisation co-designs studies with researchers and has a patient panel ready to advise on {topic}.",
        ],
    ),
    (
        "regulator",
        &[
            "Works on scientific advice and early dialogue with developers, with a particular interest in {topic}.",
            "Methodologist interested in how evidence on {topic} can meet both regulatory and HTA needs.",
        ],
    ),
    (
        "funder",
        &[
            "Programme officer for health research; happy to explain the upcoming calls and what makes a strong consortium.",
            "Manages a portfolio of public-private projects, including several on {topic}.",
        ],
    ),
    (
        "other",
        &[
            "Helps academic groups and SMEs build and write competitive proposals for EU health calls.",
            "Technology transfer professional supporting licensing and collaboration agreements in the life sciences.",
            "Advises consortia on data protection, contracts and intellectual property in collaborative research.",
        ],
    ),
];

/// Answers to "What are you looking for at this event?": `{topic}` and `{area}` are filled in.
const LOOKING_FOR: &[(&str, &[&str])] = &[
    (
        "academia",
        &[
            "Industry partners for an IHI proposal on {topic}",
            "A pharma partner to co-lead a work package in {area}",
            "SMEs with screening capacity for our {area} projects",
            "Clinical sites to validate a biomarker in {area}",
        ],
    ),
    (
        "pharma",
        &[
            "Academic groups with patient cohorts and disease models in {area}",
            "SMEs with new technologies for {topic}",
            "Partners for a public-private consortium on {topic}",
        ],
    ),
    (
        "biotech_sme",
        &[
            "A consortium that needs a technology provider for {topic}",
            "Pharma partners for a pilot study of our platform",
            "Academic co-applicants for an IHI or EIC proposal",
        ],
    ),
    (
        "hospital",
        &[
            "Partners for investigator-initiated trials in {area}",
            "Industry interest in our biobank and patient registry",
        ],
    ),
    (
        "patient_org",
        &[
            "Projects that want patients involved from the design stage",
            "Partners for a patient preference study in {area}",
        ],
    ),
    (
        "regulator",
        &["Early dialogue with consortia planning studies on {topic}", "New methodologies and endpoints in {area}"],
    ),
    ("funder", &["Meeting future applicants before the next call opens", "Feedback on our draft call topics"]),
    (
        "other",
        &[
            "Consortia that need help with proposal writing and project management",
            "Research organisations looking for contract and IP advice",
            "Partners who need a data management plan",
        ],
    ),
];

struct Names {
    first: &'static [&'static str],
    last: &'static [&'static str],
}

const GERMAN: Names = Names {
    first: &[
        "Anna",
        "Lukas",
        "Lena",
        "Jonas",
        "Katharina",
        "Felix",
        "Miriam",
        "Tobias",
        "Sabine",
        "Matthias",
        "Julia",
        "Stefan",
        "Hannah",
        "Florian",
        "Johanna",
        "Maximilian",
        "Christine",
        "Benedikt",
        "Ulrike",
        "Moritz",
    ],
    last: &[
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Becker",
        "Hoffmann",
        "Wagner",
        "Zimmermann",
        "Krüger",
        "Hartmann",
        "Lehmann",
        "Vogel",
        "Brandt",
        "Huber",
        "Gruber",
        "Steiner",
        "Keller",
        "Baumann",
        "Wolf",
    ],
};
const FRENCH: Names = Names {
    first: &[
        "Camille",
        "Julien",
        "Claire",
        "Thomas",
        "Élodie",
        "Nicolas",
        "Manon",
        "Antoine",
        "Sophie",
        "Mathieu",
        "Chloé",
        "Guillaume",
        "Aurélie",
        "Pierre",
        "Inès",
        "Hugo",
        "Céline",
        "Benoît",
    ],
    last: &[
        "Dubois",
        "Lefèvre",
        "Moreau",
        "Laurent",
        "Girard",
        "Bonnet",
        "Fontaine",
        "Rousseau",
        "Mercier",
        "Lambert",
        "Chevalier",
        "Fournier",
        "Garnier",
        "Faure",
        "Perrin",
        "Marchand",
        "Dupont",
        "Leroy",
    ],
};
const DUTCH: Names = Names {
    first: &[
        "Sanne", "Daan", "Lotte", "Pieter", "Femke", "Joost", "Eva", "Bram", "Anouk", "Thijs", "Inge", "Wouter",
        "Marieke", "Koen", "Lieselot", "Jeroen", "Sofie", "Ruben",
    ],
    last: &[
        "de Vries",
        "Janssen",
        "van den Berg",
        "Bakker",
        "Visser",
        "Smit",
        "Meijer",
        "de Boer",
        "Mulder",
        "Peeters",
        "Maes",
        "Willems",
        "Claes",
        "Goossens",
        "Wouters",
        "Vermeulen",
        "De Smet",
        "Jacobs",
    ],
};
const ITALIAN: Names = Names {
    first: &[
        "Giulia",
        "Marco",
        "Francesca",
        "Alessandro",
        "Chiara",
        "Luca",
        "Elena",
        "Matteo",
        "Sara",
        "Davide",
        "Valentina",
        "Lorenzo",
        "Federica",
        "Giovanni",
    ],
    last: &[
        "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno",
        "Gallo", "Conti", "De Luca", "Mancini", "Moretti",
    ],
};
const SPANISH: Names = Names {
    first: &[
        "Lucía",
        "Javier",
        "María",
        "Pablo",
        "Carmen",
        "Alejandro",
        "Laura",
        "Daniel",
        "Marta",
        "Sergio",
        "Ana",
        "Raúl",
        "Nuria",
        "Jordi",
    ],
    last: &[
        "García",
        "Fernández",
        "González",
        "Rodríguez",
        "López",
        "Martínez",
        "Sánchez",
        "Pérez",
        "Gómez",
        "Ruiz",
        "Navarro",
        "Ortega",
        "Castillo",
        "Vidal",
        "Puig",
    ],
};
const PORTUGUESE: Names = Names {
    first: &["Inês", "João", "Beatriz", "Tiago", "Mariana", "Rui", "Catarina", "Pedro", "Sofia", "Miguel"],
    last: &["Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins", "Sousa", "Carvalho"],
};
const SWEDISH: Names = Names {
    first: &[
        "Elin", "Erik", "Maja", "Johan", "Sara", "Anders", "Ingrid", "Oskar", "Karin", "Gustav", "Linnea", "Henrik",
    ],
    last: &[
        "Andersson",
        "Johansson",
        "Karlsson",
        "Nilsson",
        "Eriksson",
        "Larsson",
        "Lindqvist",
        "Bergström",
        "Lundgren",
        "Holm",
        "Sjöberg",
        "Engström",
    ],
};
const DANISH: Names = Names {
    first: &["Mette", "Søren", "Freja", "Mads", "Camilla", "Rasmus", "Line", "Jesper", "Ida", "Anders"],
    last: &[
        "Jensen",
        "Nielsen",
        "Hansen",
        "Pedersen",
        "Andersen",
        "Christensen",
        "Rasmussen",
        "Sørensen",
        "Mortensen",
        "Kjær",
    ],
};
const FINNISH: Names = Names {
    first: &["Mikko", "Laura", "Juha", "Sanna", "Antti", "Emilia", "Ville", "Heidi", "Jussi", "Noora"],
    last: &[
        "Korhonen",
        "Mäkinen",
        "Nieminen",
        "Laine",
        "Heikkinen",
        "Koskinen",
        "Järvinen",
        "Lehtonen",
        "Salonen",
        "Virtanen",
    ],
};
const BRITISH: Names = Names {
    first: &[
        "Emily",
        "James",
        "Sarah",
        "Oliver",
        "Charlotte",
        "William",
        "Rebecca",
        "Thomas",
        "Hannah",
        "Daniel",
        "Eleanor",
        "George",
        "Lucy",
        "Samuel",
    ],
    last: &[
        "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thompson", "Hughes", "Clarke", "Wright",
        "Walker", "Robinson", "Edwards",
    ],
};
const IRISH: Names = Names {
    first: &["Siobhán", "Ciarán", "Aoife", "Niamh", "Conor", "Róisín", "Eoin", "Sinéad", "Darragh", "Orla"],
    last: &["Murphy", "O'Brien", "Byrne", "Kelly", "Ryan", "Walsh", "O'Sullivan", "Doyle", "McCarthy", "Gallagher"],
};
// Surnames that are the same for women and men.
const POLISH: Names = Names {
    first: &[
        "Agnieszka",
        "Piotr",
        "Katarzyna",
        "Tomasz",
        "Magdalena",
        "Paweł",
        "Zofia",
        "Michał",
        "Joanna",
        "Krzysztof",
    ],
    last: &["Nowak", "Wójcik", "Kowalczyk", "Mazur", "Krawczyk", "Zając", "Król", "Wieczorek", "Kaczmarek", "Pawlak"],
};
const JAPANESE: Names = Names {
    first: &["Haruka", "Kenji", "Yuki", "Takashi", "Aiko", "Hiroshi", "Sakura", "Daisuke"],
    last: &["Tanaka", "Suzuki", "Takahashi", "Watanabe", "Yamamoto", "Nakamura", "Kobayashi", "Sato"],
};
const ISRAELI: Names = Names {
    first: &["Noa", "Yonatan", "Tamar", "Eitan", "Maya", "Ariel", "Shira", "Amit"],
    last: &["Cohen", "Levi", "Mizrahi", "Peretz", "Friedman", "Katz", "Shapiro", "Ben-David"],
};

/// Researchers move: names from these lists appear in any country.
const INTERNATIONAL: &[Names] = &[
    Names {
        first: &["Priya", "Arjun", "Ananya", "Rahul", "Kavya", "Vikram", "Meera", "Sanjay"],
        last: &["Sharma", "Patel", "Iyer", "Nair", "Reddy", "Gupta", "Singh", "Menon"],
    },
    Names {
        first: &["Wei", "Mei", "Jing", "Hao", "Xin", "Yang", "Lin", "Jun"],
        last: &["Chen", "Wang", "Li", "Zhang", "Liu", "Huang", "Zhao", "Wu"],
    },
    Names {
        first: &["Eleni", "Maria", "Katerina", "Sofia", "Dimitra", "Angeliki"],
        last: &["Papadopoulou", "Georgiou", "Nikolaidou", "Karagianni", "Oikonomou", "Vlachou"],
    },
    Names {
        first: &["Nikos", "Giorgos", "Dimitris", "Konstantinos", "Yannis", "Alexandros"],
        last: &["Papadopoulos", "Georgiou", "Nikolaidis", "Karagiannis", "Oikonomou", "Vlachos"],
    },
    Names {
        first: &["Ioana", "Andrei", "Elena", "Mihai", "Alexandra", "Bogdan", "Cristina", "Radu"],
        last: &["Popescu", "Ionescu", "Popa", "Stan", "Dumitru", "Constantin", "Marin", "Stoica"],
    },
    Names {
        first: &["Elif", "Mehmet", "Zeynep", "Emre", "Ayşe", "Can", "Deniz", "Burak"],
        last: &["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın", "Öztürk", "Arslan"],
    },
    Names {
        first: &["Chinedu", "Adaeze", "Ngozi", "Emeka", "Chiamaka", "Obinna"],
        last: &["Okafor", "Eze", "Nwosu", "Okonkwo", "Obi", "Chukwu"],
    },
    Names {
        first: &["Kwame", "Ama", "Kofi", "Abena", "Yaw", "Akosua"],
        last: &["Mensah", "Boateng", "Owusu", "Asante", "Appiah", "Osei"],
    },
    Names {
        first: &["Leila", "Omar", "Yasmin", "Karim", "Nour", "Youssef", "Samira", "Tarek"],
        last: &["Haddad", "Khalil", "Mansour", "Saleh", "Nasser", "Hamdan", "Aziz", "Farah"],
    },
    Names {
        first: &["Zsófia", "Bence", "Eszter", "Gábor", "Réka", "Péter"],
        last: &["Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga"],
    },
    Names {
        first: &["Gabriela", "Rafael", "Camila", "Lucas", "Fernanda", "Thiago"],
        last: &["Souza", "Lima", "Almeida", "Barbosa", "Ribeiro", "Araújo"],
    },
    Names {
        first: &["Ji-woo", "Min-jun", "Seo-yeon", "Hyun", "Soo-jin", "Dong-hyun"],
        last: &["Kim", "Lee", "Park", "Choi", "Jung", "Kang"],
    },
];

/// The names most often met in an organisation of `country`.
fn local_names(country: &str, rng: &mut Rng) -> &'static Names {
    match country {
        "DE" | "AT" => &GERMAN,
        "CH" => {
            if rng.chance(0.3) {
                &FRENCH
            } else {
                &GERMAN
            }
        }
        "BE" => {
            if rng.chance(0.55) {
                &DUTCH
            } else {
                &FRENCH
            }
        }
        "FR" => &FRENCH,
        "NL" => &DUTCH,
        "IT" => &ITALIAN,
        "ES" => &SPANISH,
        "PT" => &PORTUGUESE,
        "SE" => &SWEDISH,
        "DK" => &DANISH,
        "FI" => &FINNISH,
        "IE" => &IRISH,
        "PL" => &POLISH,
        "JP" => &JAPANESE,
        "IL" => &ISRAELI,
        _ => &BRITISH,
    }
}

/// One demo participant.
#[derive(Debug, Clone)]
pub struct Participant {
    pub name: String,
    pub email: String,
    pub organisation: &'static str,
    pub sector: &'static str,
    pub country: &'static str,
    pub job_title: &'static str,
    pub bio: String,
    /// Indexes into [`AREAS`], ascending.
    pub areas: Vec<usize>,
    /// Their answer to "What are you looking for at this event?".
    pub looking_for: String,
}

/// The participant whose login is printed: a hand-made profile, always first in the list.
pub const FEATURED_EMAIL: &str = "lotte.vermeulen@kuleuven.example";

fn featured() -> Participant {
    Participant {
        name: "Lotte Vermeulen".into(),
        email: FEATURED_EMAIL.into(),
        organisation: "KU Leuven",
        sector: "academia",
        country: "BE",
        job_title: "Postdoctoral researcher, Laboratory of Virology and Chemotherapy",
        bio: "Virologist working on broad-spectrum antivirals and on phage–antibiotic combinations against \
              multidrug-resistant Pseudomonas. I am preparing my first consortium proposal and would like to meet \
              pharma and SME partners with screening and formulation expertise."
            .into(),
        areas: vec![1, 7],
        looking_for:
            "A pharma partner and an SME with screening capacity for an IHI proposal on phage–antibiotic combinations"
                .into(),
    }
}

/// `n` participants, always the same ones: the first is [`FEATURED_EMAIL`].
pub fn participants(n: usize) -> Vec<Participant> {
    let mut rng = Rng::new(0x11A1_5011_2027);
    let mut out = vec![featured()];
    let mut used: HashSet<String> = out.iter().map(|p| p.email.clone()).collect();
    let weights: Vec<u32> = SECTORS.iter().map(|(_, w, _)| *w).collect();
    while out.len() < n {
        let (sector, _, orgs) = SECTORS[rng.weighted(&weights)];
        let org = rng.pick(orgs);
        let names = if rng.chance(0.18) { rng.pick(INTERNATIONAL) } else { local_names(org.country, &mut rng) };
        let (first, last) = (*rng.pick(names.first), *rng.pick(names.last));
        let email = format!("{}.{}@{}", mail_part(first), mail_part(last), org.domain);
        if !used.insert(email.clone()) {
            continue;
        }
        let topics: Vec<&(&str, usize)> = match org.focus {
            Some(a) => TOPICS.iter().filter(|(_, area)| *area == a).collect(),
            None => TOPICS.iter().collect(),
        };
        let (topic, area) = **rng.pick(&topics);
        let mut areas = vec![area];
        if rng.chance(0.5) {
            areas.push(rng.below(AREAS.len()));
        }
        if rng.chance(0.2) {
            areas.push(rng.below(AREAS.len()));
        }
        if sector == "regulator" {
            areas.push(REGULATORY);
        }
        areas.sort_unstable();
        areas.dedup();
        let fill =
            |t: &str| t.replace("{topic}", topic).replace("{org}", org.name).replace("{area}", AREA_PHRASES[area]);
        let bio = fill(pick_for(&mut rng, BIOS, sector));
        let looking_for = fill(pick_for(&mut rng, LOOKING_FOR, sector));
        out.push(Participant {
            name: format!("{first} {last}"),
            email,
            organisation: org.name,
            sector,
            country: org.country,
            job_title: pick_for(&mut rng, JOB_TITLES, sector),
            bio,
            areas,
            looking_for,
        });
    }
    out
}

/// One of the sector's entries in `table`.
fn pick_for(rng: &mut Rng, table: &'static [(&str, &'static [&'static str])], sector: &str) -> &'static str {
    let list = table.iter().find(|(s, _)| *s == sector).map(|(_, l)| *l).unwrap_or(&[""]);
    list[rng.below(list.len())]
}

/// "Søren" → "soren", "O'Brien" → "obrien", "van den Berg" → "vandenberg".
fn mail_part(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let s = match c {
            'a'..='z' | '0'..='9' | '-' => {
                out.push(c);
                continue;
            }
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ą' => "a",
            'æ' => "ae",
            'ç' | 'ć' | 'č' => "c",
            'è' | 'é' | 'ê' | 'ë' | 'ę' | 'ě' => "e",
            'ì' | 'í' | 'î' | 'ï' | 'ı' => "i",
            'ł' => "l",
            'ñ' | 'ń' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ő' => "o",
            'ß' => "ss",
            'ś' | 'š' | 'ş' => "s",
            'ù' | 'ú' | 'û' | 'ü' | 'ű' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            'ğ' => "g",
            _ => "",
        };
        out.push_str(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn participants_are_stable_unique_and_fictional() {
        let a = participants(230);
        let b = participants(230);
        assert_eq!(a.len(), 230);
        assert_eq!(a[0].email, FEATURED_EMAIL);
        assert!(a.iter().zip(&b).all(|(x, y)| x.email == y.email && x.bio == y.bio), "deterministic");
        let emails: HashSet<&str> = a.iter().map(|p| p.email.as_str()).collect();
        assert_eq!(emails.len(), a.len(), "unique e-mails");
        for p in &a {
            assert!(p.email.ends_with(".example") && p.email.is_ascii(), "{}", p.email);
            let mut e = crate::web::FormErrors::default();
            crate::accounts::model::check_email(&mut e, "email", &p.email);
            assert!(e.is_empty(), "{}", p.email);
            assert!(!crate::accounts::model::sector_label(p.sector).is_empty(), "{}", p.sector);
            assert!(!crate::accounts::model::country_name(p.country).is_empty(), "{}", p.country);
            assert!(!p.bio.contains('{') && !p.looking_for.contains('{'), "{}", p.bio);
            assert!(!p.areas.is_empty() && p.areas.windows(2).all(|w| w[0] < w[1]));
        }
        // Every sector is represented; academia and pharma are the largest.
        let count = |s: &str| a.iter().filter(|p| p.sector == s).count();
        for (code, _) in crate::accounts::model::SECTORS {
            assert!(count(code) > 0, "{code}");
        }
        assert!(count("academia") > count("hospital") && count("pharma") > count("hospital"));
    }

    #[test]
    fn mail_parts_are_plain_ascii() {
        assert_eq!(mail_part("Søren"), "soren");
        assert_eq!(mail_part("O'Brien"), "obrien");
        assert_eq!(mail_part("van den Berg"), "vandenberg");
        assert_eq!(mail_part("Yılmaz"), "yilmaz");
        assert_eq!(mail_part("Kjær"), "kjaer");
        assert_eq!(mail_part("Ji-woo"), "ji-woo");
    }
}
