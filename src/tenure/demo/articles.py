"""The demo vendor's help centre: about sixty short articles on Brightloop (texts.VENDOR_PRODUCT), in the words its
customers search with. Plain data; ``demo.knowledge`` writes it through the knowledge room's services.

Each article: (key, category key, title, tags, body in Markdown, related keys, how readers may see it). The
visibility is "public" unless it says "customers", "segment:<segment>", "plan:<plan>" or "draft" (a draft is
public once published). Order is part of the seed.
"""

CATEGORIES = (
    ("start", "Getting started"),
    ("dashboards", "Dashboards and reports"),
    ("alerts", "Alerts and automations"),
    ("integrations", "Integrations and API"),
    ("admin", "Admin, security and SSO"),
    ("billing", "Billing and plans"),
    ("trouble", "Troubleshooting"),
)

A = tuple[str, str, str, tuple[str, ...], str, tuple[str, ...], str]

ARTICLES: tuple[A, ...] = (
    # ---- getting started
    ("welcome", "start", "Welcome to Brightloop: your first hour", ("onboarding", "basics"),
     "Brightloop turns your team's data into **dashboards**, **reports** and **alerts** everyone can act on.\n\n"
     "In your first hour:\n\n1. Connect a data source (see *Connect your first data source*).\n"
     "2. Open the starter dashboard and pin the charts you care about.\n3. Invite two teammates.\n\n"
     "Most teams have their first dashboard shared within a day.",
     ("connect-source", "first-dashboard", "invite-teammates"), "public"),
    ("connect-source", "start", "Connect your first data source", ("onboarding", "integrations"),
     "Go to **Settings → Data sources → Add source** and pick your database, spreadsheet or app. Brightloop "
     "reads the data; it never writes to your systems.\n\nThe first import takes a few minutes for most sources. "
     "You can keep working while it runs.", ("welcome", "salesforce-sync"), "public"),
    ("first-dashboard", "start", "Build your first dashboard", ("dashboards", "onboarding"),
     "Click **New dashboard**, give it a name and add a widget: a chart, a number or a table. Pick the data source, "
     "the measure and how to group it.\n\nDrag widgets to arrange them. A dashboard is private until you share it.",
     ("share-dashboard", "dashboard-filters"), "public"),
    ("invite-teammates", "start", "Invite teammates and bulk-invite users", ("users", "onboarding"),
     "Admins invite people from **Settings → People → Invite**. To invite many colleagues at once, paste a list of "
     "email addresses (one per line) or upload a CSV with email and role.\n\nInvitations expire after 7 days; "
     "resend them from the same page.", ("roles-permissions", "sso-setup"), "public"),
    ("mobile-app", "start", "Use Brightloop on your phone: the mobile app", ("mobile", "basics"),
     "The mobile app for iOS and Android shows your dashboards and alerts on the go. Sign in with the same "
     "account; single sign-on works too.\n\nPush notifications follow your alert settings.",
     ("alert-basics",), "public"),
    ("keyboard-shortcuts", "start", "Keyboard shortcuts", ("basics",),
     "Press **?** anywhere to see every shortcut. The most used: **/** to search, **g d** to go to dashboards, "
     "**n** for a new widget.", (), "public"),
    ("workspace-owner", "start", "Change the owner of a workspace", ("admin", "users"),
     "Only the current owner or an admin can transfer ownership: **Settings → Workspace → Owner → Transfer**. "
     "The new owner must already be a member. The previous owner stays an admin unless you change their role.",
     ("roles-permissions", "remove-user"), "customers"),
    ("search-tips", "start", "Search across projects and dashboards", ("search", "basics"),
     "Search finds dashboards, reports, alerts and comments. Put a phrase in quotes for an exact match; "
     "use **owner:me** to see only your own items.", ("search-slow",), "public"),
    ("custom-fields", "start", "Add custom fields to projects", ("custom fields", "basics"),
     "Custom fields capture what your team tracks: a region, a budget code, a customer tier. Admins add them in "
     "**Settings → Custom fields**; they can be used in filters, reports and automations.",
     ("report-builder",), "public"),
    ("enterprise-onboarding", "start", "Enterprise onboarding: your plan for the first 90 days",
     ("onboarding", "enterprise"),
     "Enterprise customers get a named onboarding lead. Together we agree a success plan, connect single sign-on "
     "and provisioning, run a pilot team and roll out department by department, ending with your first QBR.",
     ("sso-setup", "scim"), "segment:enterprise"),
    # ---- dashboards and reports
    ("share-dashboard", "dashboards", "Share a dashboard with your team", ("dashboards", "sharing"),
     "Open the dashboard and click **Share**. Share with people, with a team, or with everyone in the workspace. "
     "Viewers see the data their own permissions allow.", ("first-dashboard", "public-link"), "public"),
    ("public-link", "dashboards", "Share a dashboard outside your company", ("dashboards", "sharing"),
     "A public link shows a read-only snapshot of a dashboard to anyone who has the link. Admins can turn public "
     "links off for the whole workspace.", ("share-dashboard",), "customers"),
    ("dashboard-filters", "dashboards", "Filter a dashboard by date, team or custom field", ("dashboards",),
     "Dashboard filters apply to every widget at once. Add one with **Filter → Add**; pin it so viewers can change "
     "it. Date filters understand *last 30 days*, *this quarter* and custom ranges.", ("custom-fields",), "public"),
    ("report-builder", "dashboards", "Build a report and group it by team", ("reports",),
     "Reports are tables you can schedule and export. Choose the rows, the columns and the grouping: for example "
     "hours logged **grouped by team**, or projects by status. Totals and averages are added per group.",
     ("scheduled-reports", "export-csv"), "public"),
    ("scheduled-reports", "dashboards", "Schedule a report by email", ("reports", "email"),
     "Any report can be sent on a schedule: daily, weekly on a given day, or monthly. Recipients get a PDF or a CSV "
     "attachment. Scheduled reports run in the workspace's time zone.", ("report-builder", "export-csv"), "public"),
    ("export-csv", "dashboards", "Export a report to CSV or Excel", ("reports", "export"),
     "Click **Export** on any report. CSV exports include every row; Excel exports stop at one million rows. "
     "Very large exports are prepared in the background and emailed to you when ready.",
     ("export-cut-off", "scheduled-reports"), "public"),
    ("time-report", "dashboards", "Report on time spent per team", ("reports", "time tracking"),
     "Use the **Time logged** data set, group by **Team** and add a date filter. Save it and schedule it weekly "
     "for team leads.", ("report-builder",), "public"),
    ("widget-types", "dashboards", "Which chart should I use? Widget types explained", ("dashboards", "charts"),
     "- **Number**: one figure and its change.\n- **Line**: a trend over time.\n- **Bar**: compare groups.\n"
     "- **Table**: details you can sort.\n- **Funnel**: steps and drop-off.", ("first-dashboard",), "public"),
    ("insights-forecasts", "dashboards", "Forecasts and anomaly detection (Insights add-on)", ("insights", "charts"),
     "With the Insights add-on, line charts can show a forecast for the next weeks and highlight anomalies: days "
     "far from the usual pattern. Turn it on per widget under **Options → Insights**.",
     ("widget-types",), "plan:Insights add-on"),
    ("dashboard-refresh", "dashboards", "How often does dashboard data refresh?", ("dashboards", "data"),
     "Dashboards refresh every 15 minutes on Starter and Growth and every 5 minutes on Enterprise. Click the "
     "refresh button on a widget to load the latest data now.", ("widgets-no-data",), "public"),
    # ---- alerts and automations
    ("alert-basics", "alerts", "Create an alert when a number changes", ("alerts",),
     "Open a widget's menu and choose **Create alert**. Set the condition (above, below, changes by more than) and "
     "who to notify: email, Slack or the mobile app.", ("slack-integration", "duplicate-notifications"), "public"),
    ("workflow-automations", "alerts", "Automate routine work with workflows", ("automations", "workflows"),
     "A workflow runs steps when something happens: a field changes, a form is submitted, a date arrives. Start "
     "from a template under **Automations → New workflow**, then add conditions and actions.",
     ("approvals", "workflow-save-error"), "public"),
    ("approvals", "alerts", "Set up approvals", ("automations", "approvals"),
     "Approvals ask one or more people to approve before a step continues: a budget change, a new vendor, a "
     "published report. Approvers get an email and a mobile notification and can approve in one click.",
     ("workflow-automations",), "public"),
    ("notification-settings", "alerts", "Choose which notifications you receive", ("notifications",),
     "Each person chooses in **Profile → Notifications**: instantly, as a daily digest, or never, per channel. "
     "Admins can set the defaults for new members.", ("duplicate-notifications",), "public"),
    ("automation-limits", "alerts", "Workflow run limits per plan", ("automations", "plans"),
     "Starter includes 1,000 workflow runs a month, Growth 10,000 and Enterprise unlimited. The usage page shows "
     "runs so far this month; workflows pause, never fail, when the limit is reached.",
     ("plans-compared",), "customers"),
    ("alert-digest", "alerts", "Daily alert digest", ("alerts", "email"),
     "Instead of one email per alert, get one digest each morning listing every alert that fired in the last 24 "
     "hours.", ("notification-settings",), "public"),
    # ---- integrations and API
    ("slack-integration", "integrations", "Connect Slack and post updates to a channel", ("slack", "integrations"),
     "Go to **Settings → Integrations → Slack → Connect**, approve Brightloop in Slack, then choose a channel for "
     "each alert or report. For a private channel, invite the Brightloop app to it first.",
     ("slack-not-posting", "alert-basics"), "public"),
    ("salesforce-sync", "integrations", "Set up the Salesforce sync", ("salesforce", "integrations", "crm"),
     "Connect Salesforce with an integration user that can read the objects you need. Choose the objects and "
     "fields to sync; the sync runs every 15 minutes and after each change you save in Brightloop.",
     ("salesforce-stopped",), "public"),
    ("rest-api", "integrations", "Getting started with the REST API", ("api", "developers"),
     "Create an API token in **Settings → API tokens**. Send it as a bearer token. Every list is paginated; follow "
     "the `next` link. The full reference is at `/api/docs` in your workspace.",
     ("api-rate-limits", "webhooks"), "customers"),
    ("api-rate-limits", "integrations", "API rate limits and how to stay within them", ("api", "developers"),
     "The REST API allows 600 requests per minute per token (Enterprise: 3,000). A 429 answer tells you how many "
     "seconds to wait in `Retry-After`. For nightly jobs, use the bulk endpoints and page sizes of 500.",
     ("rest-api",), "customers"),
    ("webhooks", "integrations", "Send events to your systems with webhooks", ("api", "webhooks", "developers"),
     "A webhook posts a signed JSON message to your address when something happens. Check the signature with your "
     "webhook secret; retries follow for 24 hours when your server does not answer 2xx.", ("rest-api",),
     "customers"),
    ("google-sheets", "integrations", "Import data from Google Sheets", ("integrations", "data"),
     "Add Google Sheets as a data source and pick the sheet. The first row is read as column names. Changes in the "
     "sheet arrive at the next refresh.", ("connect-source",), "public"),
    ("teams-integration", "integrations", "Microsoft Teams notifications", ("integrations", "notifications"),
     "Alerts can post to a Teams channel through an incoming webhook. Paste the channel's webhook address in "
     "**Settings → Integrations → Microsoft Teams**.", ("alert-basics",), "public"),
    ("zapier", "integrations", "Connect other apps with Zapier", ("integrations",),
     "Brightloop's Zapier app triggers on new alerts and report runs, and can create records. Use it for the apps "
     "we do not integrate with directly.", ("webhooks",), "public"),
    # ---- admin, security and SSO
    ("sso-setup", "admin", "Set up single sign-on (SSO) with SAML", ("sso", "security", "admin"),
     "Admins on Growth and Enterprise can require single sign-on. In **Settings → Security → SSO**, copy our "
     "metadata into your identity provider (Okta, Entra ID, Google), then paste its metadata back. Test with one "
     "person before you require SSO for everyone.", ("sso-new-users", "scim"), "public"),
    ("scim", "admin", "Automatic user provisioning (SCIM)", ("sso", "admin", "users"),
     "With SCIM your identity provider creates, updates and deactivates Brightloop users for you. Generate a SCIM "
     "token in **Settings → Security → Provisioning** and add it to your identity provider.",
     ("sso-setup", "remove-user"), "plan:Enterprise"),
    ("roles-permissions", "admin", "Roles and permissions", ("admin", "permissions"),
     "Four roles: **Owner**, **Admin**, **Member** and **Viewer**. Viewers read dashboards and reports they are "
     "given; members build; admins manage people, billing and security. Project-level read-only access for "
     "contractors is set per project.", ("invite-teammates", "workspace-owner"), "public"),
    ("remove-user", "admin", "Remove a former employee: a colleague who left", ("admin", "users", "security"),
     "When a colleague leaves the company, take away their access: deactivate the person in **Settings → "
     "People**. They can no longer sign in, and their dashboards stay with "
     "the workspace. Transfer what they owned first if someone else should edit it. A deactivated seat is free "
     "for a new person.", ("workspace-owner", "scim"), "customers"),
    ("two-factor", "admin", "Two-factor authentication", ("security",),
     "Turn on two-factor authentication in **Profile → Security**; admins can require it for everyone. Keep your "
     "recovery codes somewhere safe.", ("password-reset",), "public"),
    ("audit-log", "admin", "Audit log: who changed what", ("security", "admin"),
     "The audit log lists sign-ins, permission changes, exports and deletions with who and when. Enterprise admins "
     "can export it or stream it to their SIEM.", ("roles-permissions",), "customers"),
    ("data-retention", "admin", "Data retention and deleting your data", ("security", "data", "privacy"),
     "Workspace data is kept while your subscription is active and for 30 days after it ends. Admins can delete "
     "a data source and everything imported from it at any time.", (), "public"),
    ("ip-allowlist", "admin", "Restrict access by IP address", ("security", "admin"),
     "Enterprise admins can allow sign-ins only from listed IP ranges. Add your office and VPN ranges before you "
     "turn it on, or you may lock yourself out.", ("sso-setup",), "draft"),
    # ---- billing and plans
    ("plans-compared", "billing", "Plans compared: Starter, Growth and Enterprise", ("plans", "billing"),
     "- **Starter**: dashboards, reports and alerts for small teams.\n- **Growth**: adds SSO, workflows and the "
     "Salesforce sync.\n- **Enterprise**: adds SCIM, the audit log export, higher API limits and a named CSM.",
     ("change-plan", "add-seats"), "public"),
    ("add-seats", "billing", "Add or remove seats", ("billing", "seats"),
     "Admins change the number of seats in **Settings → Billing → Seats**. Added seats are charged pro rata for "
     "the rest of the term; removed seats take effect at renewal.", ("plans-compared",), "customers"),
    ("change-plan", "billing", "Upgrade or change your plan", ("billing", "plans"),
     "Upgrade any time from **Settings → Billing → Plan**: the new features are available at once and you pay the "
     "difference pro rata. Moving to a smaller plan takes effect at renewal.", ("plans-compared",), "customers"),
    ("invoice-vat", "billing", "Add your VAT number to invoices", ("billing", "invoices"),
     "Enter your VAT or tax number in **Settings → Billing → Company details**. Future invoices show it; to "
     "reissue a past invoice with it, ask support with the invoice number.", ("billing-contact",), "public"),
    ("billing-contact", "billing", "Update the billing contact and where invoices are sent",
     ("billing", "invoices"),
     "Invoices go to the billing contact's email. Change it, or add your finance team's address, in **Settings → "
     "Billing → Billing contact**.", ("invoice-vat", "payment-failed"), "customers"),
    ("payment-failed", "billing", "A payment failed: what happens now", ("billing", "payments"),
     "We retry a failed card payment after 3, 5 and 7 days and email the billing contact each time. Update the card "
     "in **Settings → Billing → Payment method**; the workspace stays fully usable for 14 days.",
     ("billing-contact",), "customers"),
    ("annual-billing", "billing", "Monthly or annual billing", ("billing", "plans"),
     "Annual billing costs about 20% less than paying monthly. Switch at any time; the change applies from the "
     "next billing date.", ("plans-compared",), "public"),
    ("insights-addon", "billing", "What the Insights add-on includes", ("insights", "plans"),
     "The Insights add-on adds forecasts, anomaly detection and benchmark comparisons to any plan. It is priced "
     "per seat like your plan.", ("insights-forecasts",), "public"),
    ("cancel-subscription", "billing", "Cancel or pause your subscription", ("billing",),
     "Admins can cancel in **Settings → Billing**. Your workspace stays available until the end of the paid term; "
     "export what you need before it ends.", ("data-retention",), "customers"),
    # ---- troubleshooting
    ("widgets-no-data", "trouble", "Dashboard widgets show no data", ("dashboards", "troubleshooting"),
     "When widgets are empty:\n\n1. Check the dashboard's date filter.\n2. Open **Data sources** and look for a "
     "failed refresh.\n3. Check that you may still see the data (permissions).\n\nIf a source failed, reconnect it.",
     ("dashboard-refresh", "dashboard-filters"), "public"),
    ("export-cut-off", "trouble", "Export to CSV cuts off rows", ("reports", "export", "troubleshooting"),
     "Exports opened in a spreadsheet may look cut off: older spreadsheet apps stop at 65,536 rows and some stop "
     "reading at an unusual character. Exports over 5,000 rows are prepared in the background: wait for the "
     "email with the complete file.", ("export-csv",), "public"),
    ("workflow-save-error", "trouble", "Error when saving a workflow", ("automations", "troubleshooting"),
     "A workflow cannot be saved while a step points to a field that was deleted or renamed. Open each step; the "
     "broken one is marked in red. Fix or remove it and save again.", ("workflow-automations",), "public"),
    ("duplicate-notifications", "trouble", "Notifications sent twice", ("notifications", "troubleshooting"),
     "Duplicate notifications usually come from two alerts on the same widget, or from an alert that notifies "
     "both you personally and a channel you follow. Check **Alerts → Mine**.",
     ("notification-settings", "alert-basics"), "public"),
    ("salesforce-stopped", "trouble", "Salesforce sync stopped", ("salesforce", "integrations", "troubleshooting"),
     "A sync stops when the integration user's password expires or its permissions change. Open **Settings → "
     "Integrations → Salesforce**: the last error is shown there. Reconnect and the sync catches up on its own.",
     ("salesforce-sync",), "public"),
    ("slack-not-posting", "trouble", "Slack messages not posting", ("slack", "integrations", "troubleshooting"),
     "Your Slack channel stopped getting updates? When messages no longer post to a channel, the channel may have "
     "been renamed or archived, or made private without inviting the Brightloop app. Reconnect Slack in "
     "**Settings → Integrations** if the app was removed.",
     ("slack-integration",), "public"),
    ("sso-new-users", "trouble", "SSO login fails for new users", ("sso", "troubleshooting"),
     "New employees and new hires who get an error signing in after the identity provider (Okta, Entra ID, "
     "Google) redirects them are usually not assigned to the Brightloop app in the identity provider. Assign "
     "them, or turn on SCIM provisioning.",
     ("sso-setup", "scim"), "public"),
    ("password-reset", "trouble", "Locked out after a password reset", ("security", "troubleshooting"),
     "After five wrong attempts an account is locked for 15 minutes. If your workspace requires SSO, sign in "
     "through your identity provider: a Brightloop password does not work there.", ("two-factor", "sso-setup"),
     "public"),
    ("boards-slow", "trouble", "Boards and dashboards slow to load", ("performance", "troubleshooting"),
     "Large boards load faster with fewer widgets per page and narrower date filters. Widgets over raw data with "
     "millions of rows are faster on a summary table. Tell support which board if it stays slow.",
     ("dashboard-filters",), "public"),
    ("search-slow", "trouble", "Search is slow", ("search", "performance", "troubleshooting"),
     "Search is slower right after a big import while the index is rebuilt; it recovers within an hour. Narrow a "
     "search with **in:dashboards** or **owner:me**.", ("search-tips",), "public"),
    ("mobile-sign-in", "trouble", "Cannot sign in to the mobile app", ("mobile", "troubleshooting"),
     "Update the app to the latest version. With SSO, choose **Sign in with SSO** and enter your work email.",
     ("mobile-app",), "draft"),
    ("release-notes-draft", "start", "What's new this quarter", ("release notes",),
     "Draft: the quarter's release notes, to be published with the next release.", (), "draft"),
)

# Searches nobody answers yet: the knowledge gaps the demo's customers leave (words no article uses together).
GAP_SEARCHES = (
    "gantt chart for projects",
    "dark mode",
    "hipaa business associate agreement",
    "jira integration",
    "offline mode without internet",
    "translate interface into japanese",
)
