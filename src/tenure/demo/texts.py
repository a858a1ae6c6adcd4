"""Words the demo writes: names, titles, ticket and touch texts.

All names are invented; domains use the reserved ``.example`` top-level domain and competitors are
fictional, so the demo never names a real company. Lists are tuples: their order is part of the seed.
"""

VENDOR_PRODUCT = "Brightloop"  # the simulated vendor's product the demo customers pay for

COMPETITORS = ("Retainly", "ChurnGuard", "Loyalto", "StickyStack", "Keepwell")

COMPANY_WORDS = (
    "Acorn", "Alder", "Amber", "Apex", "Arbor", "Aster", "Atlas", "Beacon", "Birch", "Bluefin", "Bright",
    "Brook", "Cascade", "Cedar", "Cinder", "Clearwater", "Cobalt", "Copper", "Coral", "Crest", "Delta",
    "Ember", "Evergreen", "Falcon", "Fern", "Fjord", "Granite", "Harbor", "Hazel", "Heron", "Horizon",
    "Indigo", "Ironwood", "Juniper", "Kestrel", "Lark", "Linden", "Lumen", "Maple", "Meadow", "Mesa",
    "Milestone", "Nimbus", "Northgate", "Oakridge", "Onyx", "Orchid", "Osprey", "Pinecrest", "Polaris",
    "Prairie", "Quarry", "Quartz", "Raven", "Redwood", "Ridgeline", "Riverbend", "Sable", "Saffron", "Sage",
    "Sierra", "Silverline", "Slate", "Sparrow", "Spruce", "Stonebridge", "Summit", "Tidewater", "Timber",
    "Topaz", "Truenorth", "Tundra", "Upland", "Valeview", "Vector", "Willow", "Wren", "Zephyr",
)

INDUSTRY_WORDS = {
    "Software": ("Labs", "Software", "Systems", "Cloud", "Digital", "Analytics"),
    "Healthcare": ("Health", "Clinics", "Medical", "Care"),
    "Financial services": ("Capital", "Financial", "Lending", "Insurance"),
    "Retail": ("Outfitters", "Market", "Goods", "Supply"),
    "Manufacturing": ("Manufacturing", "Industries", "Works", "Fabrication"),
    "Education": ("Academy", "Learning", "Schools", "Institute"),
    "Logistics": ("Logistics", "Freight", "Shipping", "Transport"),
    "Media": ("Media", "Studios", "Publishing", "Broadcasting"),
    "Professional services": ("Partners", "Consulting", "Advisors", "Group"),
    "Hospitality": ("Hotels", "Hospitality", "Resorts", "Kitchens"),
    "Real estate": ("Properties", "Realty", "Estates", "Homes"),
    "Nonprofit": ("Foundation", "Alliance", "Trust", "Collective"),
}
INDUSTRIES = tuple(INDUSTRY_WORDS)
INDUSTRY_WEIGHTS = (22, 11, 11, 9, 9, 7, 8, 6, 8, 4, 3, 2)

REGIONS = ("North America", "EMEA", "APAC", "LATAM")
REGION_WEIGHTS = (62, 25, 9, 4)

FIRST_NAMES = (
    "Aaliyah", "Aaron", "Abigail", "Adrian", "Aisha", "Alejandro", "Amara", "Amir", "Ana", "Andre", "Anika",
    "Ben", "Bianca", "Caleb", "Camila", "Carlos", "Chen", "Chloe", "Daniel", "Dana", "Deepa", "Diana",
    "Elena", "Eli", "Emeka", "Emma", "Ethan", "Fatima", "Felix", "Gabriel", "Grace", "Hana", "Hassan",
    "Ines", "Isaac", "Ivan", "Jade", "James", "Jana", "Javier", "Jin", "Julia", "Kai", "Kareem", "Keiko",
    "Kofi", "Laila", "Lars", "Leah", "Liam", "Lina", "Lucas", "Maya", "Mateo", "Mei", "Mia", "Nadia",
    "Nathan", "Nia", "Noah", "Nora", "Olivia", "Omar", "Oscar", "Paula", "Rafael", "Rania", "Ravi",
    "Rosa", "Ruth", "Sara", "Sofia", "Stefan", "Tariq", "Tessa", "Theo", "Uma", "Victor", "Yara", "Zoe",
)
LAST_NAMES = (
    "Abbott", "Adeyemi", "Alvarez", "Andersen", "Bauer", "Becker", "Bennett", "Brooks", "Castillo", "Chang",
    "Chavez", "Cohen", "Costa", "Dalton", "Das", "Dubois", "Edwards", "Eriksen", "Farah", "Fischer",
    "Foster", "Garcia", "Goldberg", "Gupta", "Haddad", "Hansen", "Hayes", "Hoffman", "Ibrahim", "Ito",
    "Jensen", "Kamau", "Kaur", "Keller", "Khan", "Kim", "Kowalski", "Larsen", "Lopez", "Mahmoud",
    "Marsh", "Martin", "Mendes", "Meyer", "Moreau", "Murphy", "Nakamura", "Nguyen", "Novak", "Okafor",
    "Olsen", "Ortiz", "Osei", "Park", "Patel", "Perez", "Petrov", "Quinn", "Ramos", "Reyes", "Rossi",
    "Sato", "Schmidt", "Silva", "Singh", "Sokolov", "Suzuki", "Tanaka", "Torres", "Vargas", "Walsh",
    "Weber", "Wong", "Yilmaz", "Young", "Zhang", "Zimmer",
)

SPONSOR_TITLES = {
    "smb": ("CEO", "Founder & CEO", "COO", "Managing Director"),
    "mid-market": ("COO", "VP Operations", "VP Customer Experience", "Chief Revenue Officer", "CTO"),
    "enterprise": ("SVP Operations", "Chief Operating Officer", "Chief Digital Officer", "SVP Customer Success",
                   "Chief Information Officer"),
}
CHAMPION_TITLES = ("Head of Operations", "Operations Manager", "Director of Customer Operations",
                   "Program Manager", "Head of Business Systems", "Team Lead")
ADMIN_TITLES = ("Systems Administrator", "IT Manager", "Business Systems Analyst", "Operations Analyst")
BILLING_TITLES = ("Finance Manager", "Controller", "Accounts Payable Specialist", "Procurement Manager")
USER_TITLES = ("Analyst", "Project Manager", "Coordinator", "Specialist", "Account Manager", "Engineer",
               "Designer", "Consultant", "Associate", "Team Lead")

FEATURES = ("dashboards", "scheduled reports", "workflow automations", "the Slack integration",
            "the Salesforce sync", "the mobile app", "SSO", "the REST API", "custom fields", "approvals")

# Ticket templates by category: (subject, body). Placeholders: {feature}, {company}, {n}.
TICKETS = {
    "bug": (
        ("Dashboard widgets show no data", "Since this morning several widgets on our main dashboard are empty. "
         "Filters are unchanged. Can you check?"),
        ("Export to CSV cuts off rows", "Exports of the project list stop after about 5,000 rows; we have more."),
        ("Error 500 when saving a workflow", "Saving an edited workflow fails with an error page. Screenshot "
         "attached."),
        ("Notifications sent twice", "Our team receives every notification twice since last week."),
    ),
    "how-to": (
        ("How do we set up {feature}?", "We would like to start using {feature}. Is there a guide for our "
         "setup?"),
        ("Bulk-invite users", "What is the fastest way to invite {n} new colleagues at once?"),
        ("Change the owner of a workspace", "Our admin is changing roles; how do we transfer ownership?"),
        ("Report on time spent per team", "Can a scheduled report group hours by team?"),
    ),
    "integration": (
        ("Salesforce sync stopped", "Records have not synced to Salesforce since yesterday evening."),
        ("Slack messages not posting", "The Slack integration no longer posts updates to our channel."),
        ("API rate limit reached", "Our nightly job hits the REST API rate limit. Can the limit be raised?"),
    ),
    "access": (
        ("SSO login fails for new users", "New employees get an error after the identity provider redirects."),
        ("Locked out after password reset", "A colleague reset their password and cannot sign in."),
        ("Remove a former employee", "Please confirm how to deactivate an account of someone who left."),
    ),
    "performance": (
        ("Boards slow to load", "Large boards take 10+ seconds to open for our team in the afternoon."),
        ("Search is slow", "Searching across projects takes a long time since the last release."),
    ),
    "billing": (
        ("Invoice needs our VAT number", "Please reissue the last invoice with our VAT number."),
        ("Update billing contact", "Please send future invoices to our finance team."),
    ),
    "feature request": (
        ("Request: Gantt view", "Our planners would love a Gantt view for projects."),
        ("Request: more granular permissions", "We need read-only access per project for contractors."),
        ("Request: dark mode", "Several users asked for a dark theme."),
    ),
}
TICKET_CATEGORY_WEIGHTS = {"bug": 24, "how-to": 28, "integration": 14, "access": 12, "performance": 8,
                           "billing": 6, "feature request": 8}

# Routine touch summaries by kind and mood. Placeholders: {champion}, {sponsor}, {company}, {feature}.
TOUCHES = {
    "call": {
        "positive": (
            "Check-in with {champion}: the team relies on {feature} every day; no open issues.",
            "Call with {champion}: rollout to a second department is going well.",
            "Walked {champion} through {feature}; they will train their team next week.",
        ),
        "neutral": (
            "Monthly check-in with {champion}. Reviewed open tickets and the roadmap.",
            "Call with {champion} about {feature}; sent documentation afterwards.",
            "Short sync with {champion}: busy quarter, no changes planned.",
        ),
        "negative": (
            "Call with {champion}: frustrated by recent bugs; asked for an escalation contact.",
            "{champion} says adoption is stalling; people are back to old spreadsheets.",
        ),
    },
    "email": {
        "positive": (
            "Sent {champion} tips on {feature}; they replied it saved them hours.",
            "Shared release notes with {champion}; they are keen to try the new features.",
        ),
        "neutral": (
            "Sent the monthly usage summary to {champion}.",
            "Followed up with {champion} on an open ticket.",
            "Invited {champion} to the customer webinar on {feature}.",
        ),
        "negative": (
            "Emailed {champion} about low logins this month; no reply yet.",
            "Followed up on the escalated ticket; {champion} unhappy with the time to fix.",
        ),
    },
    "meeting": {
        "positive": (
            "Workshop with {champion} and team on {feature}; agreed next steps for wider rollout.",
            "Planning session with {company}: they want to add another team.",
        ),
        "neutral": (
            "Meeting with {champion} to review admin settings and permissions.",
            "Training session for new users at {company}.",
        ),
        "negative": (
            "Meeting with {champion}: unhappy with reliability; asked for a plan from engineering.",
        ),
    },
    "note": {
        "positive": (
            "{company} mentioned us in a positive review; asked {champion} for a case study.",
            "Usage up across teams at {company}; good expansion candidate.",
        ),
        "neutral": (
            "Updated account plan for {company}.",
            "Handed over open items to support after the check-in.",
        ),
        "negative": (
            "Several unresolved tickets at {company}; raised with support lead.",
        ),
    },
}
QBR = {
    "positive": "QBR with {sponsor} and {champion}: goals met, {feature} adopted widely; discussed expansion.",
    "neutral": "QBR with {champion}: reviewed adoption and open tickets; goals for next quarter agreed.",
    "negative": "QBR with {champion}: ROI questioned, adoption below plan; agreed a recovery plan.",
}
