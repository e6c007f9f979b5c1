/// The console's Mustache templates.
///
/// `{{name}}` escapes HTML (every value shown can be
/// attacker-controlled: caller names, numbers, subjects); nothing here uses `{{{…}}}`.
enum ConsoleTemplates {
    static let all: [String: String] = [
        "header": header, "footer": footer, "relatedAlert": relatedAlert, "login": login, "queue": queue,
        "alert": alert, "journal": journal,
        "accounts": accounts, "suspensions": suspensions, "suspensionTable": suspensionTable,
        "hookList": hookList, "attackers": attackers, "live": live,
    ]

    static let header = """
        {{#header}}
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · TollGuard</title>
        <link rel="stylesheet" href="/console/style.css">
        <link rel="icon" href="/console/icon.svg" type="image/svg+xml">
        {{#liveUpdates}}<meta name="tollguard-newest-alert" content="{{newestAlert}}">
        <script src="/console/console.js" defer></script>{{/liveUpdates}}
        </head><body>
        <header class="top">
        <a class="brand" href="/console">TollGuard</a>
        {{#signedIn}}
        <nav>
        <a href="/console?tab=open"{{#onOpen}} aria-current="page"{{/onOpen}}>Open <span class="count" id="count-open">{{openCount}}</span></a>
        <a href="/console?tab=mine"{{#onMine}} aria-current="page"{{/onMine}}>Mine <span class="count" id="count-mine">{{mineCount}}</span></a>
        <a href="/console?tab=acknowledged"{{#onAcknowledged}} aria-current="page"{{/onAcknowledged}}>Acknowledged <span class="count" id="count-acknowledged">{{acknowledgedCount}}</span></a>
        <a href="/console?tab=snoozed"{{#onSnoozed}} aria-current="page"{{/onSnoozed}}>Snoozed <span class="count" id="count-snoozed">{{snoozedCount}}</span></a>
        <a href="/console?tab=closed"{{#onClosed}} aria-current="page"{{/onClosed}}>Closed <span class="count" id="count-closed">{{closedCount}}</span></a>
        <a href="/console/accounts"{{#onAccounts}} aria-current="page"{{/onAccounts}}>Accounts</a>
        <a href="/console/suspensions"{{#onSuspensions}} aria-current="page"{{/onSuspensions}}>Suspensions</a>
        <a href="/console/attackers"{{#onAttackers}} aria-current="page"{{/onAttackers}}>SIP attackers</a>
        <a href="/console/live"{{#onLive}} aria-current="page"{{/onLive}}>Live</a>
        <a href="/console/journal"{{#onJournal}} aria-current="page"{{/onJournal}}>Journal</a>
        </nav>
        <form class="who" method="post" action="/console/logout">
        <span>{{userName}} ({{role}})</span>
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit">Log out</button>
        </form>
        {{/signedIn}}
        </header>
        <main>
        {{#clusterNotice}}<p class="cluster-notice" id="cluster-notice" role="note">{{clusterNotice}}</p>{{/clusterNotice}}
        {{/header}}
        """

    static let footer = """
        </main>
        </body></html>
        """

    static let login = """
        {{> header}}
        <h1>Log in</h1>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form class="login" method="post" action="/console/login">
        <label>Name <input name="name" autocomplete="username" required value="{{name}}"></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
        <button type="submit">Log in</button>
        </form>
        {{> footer}}
        """

    static let queue = """
        {{> header}}
        <h1>{{heading}} <span class="note">({{count}}{{#hasNew}}, <span id="new-count">{{newCount}}</span> new since your last visit{{/hasNew}})</span></h1>
        <form class="filter" method="get" action="/console">
        <input type="hidden" name="tab" value="{{tab}}">
        <label>Rule <select name="rule"><option value="">any</option>{{#rules}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/rules}}</select></label>
        <label>Severity <select name="severity"><option value="">any</option>{{#severities}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/severities}}</select></label>
        <label>Subject <input name="subject" value="{{subject}}" size="14" placeholder="account or IP"></label>
        <button type="submit">Filter</button>
        {{#filtered}}<a href="/console?tab={{tab}}">clear</a>{{/filtered}}
        <a class="export" href="{{csvLink}}">Export CSV</a>
        </form>
        {{^entries}}<p class="empty">No alerts here.</p>{{/entries}}
        {{#hasEntries}}
        <form class="bulk" method="post" action="/console/alerts">
        {{#mayTriage}}
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="tab" value="{{tab}}">
        {{#rules}}{{#selected}}<input type="hidden" name="rule" value="{{value}}">{{/selected}}{{/rules}}
        {{#severities}}{{#selected}}<input type="hidden" name="severity" value="{{value}}">{{/selected}}{{/severities}}
        <input type="hidden" name="subject" value="{{subject}}">
        <div class="bulk-actions">
        <label>On <select name="scope"><option value="selected">the alerts ticked</option><option value="filter">all {{count}} alerts of this tab and filter</option></select></label>
        <button type="submit" name="action" value="acknowledge">Acknowledge</button>
        <button type="submit" name="action" value="assign_me">Assign to me</button>
        <button type="submit" name="action" value="snooze_worse">Snooze until worse</button>
        <select name="disposition" aria-label="disposition">{{#dispositions}}<option value="{{value}}">{{label}}</option>{{/dispositions}}</select>
        <button type="submit" name="action" value="resolve">Resolve</button>
        <select name="reason" aria-label="false positive reason"><option value="">reason…</option>{{#reasons}}<option value="{{value}}">{{label}}</option>{{/reasons}}</select>
        <button type="submit" name="action" value="false_positive">False positive</button>
        </div>
        {{/mayTriage}}
        <table class="queue">
        <thead><tr>{{#mayTriage}}<th></th>{{/mayTriage}}<th>Severity</th><th>Subject</th><th>Alert</th><th>At risk</th><th>Quota</th><th>Last call (UTC)</th><th>State</th></tr></thead>
        <tbody>
        {{#entries}}
        <tr class="severity-{{severity}}" data-alert="{{id}}">
        {{#mayTriage}}<td><input type="checkbox" name="ids" value="{{id}}" aria-label="choose alert {{id}}"></td>{{/mayTriage}}
        <td><span class="badge {{severity}}">{{severity}}</span></td>
        <td>{{subject}}</td>
        <td>{{#isNew}}<span class="new-mark" title="new since your last visit">new</span> {{/isNew}}<a href="/console/alerts/{{id}}">{{headline}}</a><div class="rule">{{rule}}</div></td>
        <td class="money">{{atRisk}}</td>
        <td>{{#quota}}<div class="bar" title="{{quotaText}}"><span class="fill {{quotaClass}}" data-percent="{{quotaPercent}}"></span></div><small>{{quotaText}}</small>{{/quota}}</td>
        <td>{{lastSeen}}</td>
        <td>{{state}}{{#stateBy}}<div class="by">{{stateBy}}</div>{{/stateBy}}{{#assignee}}<div class="by">→ {{assignee}}</div>{{/assignee}}</td>
        </tr>
        {{/entries}}
        </tbody></table>
        </form>
        {{#paging}}{{#isPaged}}<nav class="paging">Alerts {{first}}–{{last}} of {{total}}
        {{#previous}}<a rel="prev" href="{{.}}">← previous</a>{{/previous}}
        {{#next}}<a rel="next" href="{{.}}">next →</a>{{/next}}</nav>{{/isPaged}}{{/paging}}
        {{/hasEntries}}
        {{> footer}}
        """

    /// One alert in a list of related alerts.
    static let relatedAlert = """
        <li><span class="badge {{severity}}">{{severity}}</span> <a href="/console/alerts/{{id}}">{{headline}}</a> · {{subject}} · {{state}} · {{lastSeen}}</li>
        """

    static let alert = """
        {{> header}}
        <p><a href="/console">← Queue</a></p>
        <h1><span class="badge {{severity}}">{{severity}}</span> {{headline}}</h1>
        <dl class="facts">
        <dt>Rule</dt><dd>{{rule}}</dd>
        <dt>Subject</dt><dd>{{subject}}</dd>
        <dt>Window</dt><dd>{{firstSeen}} – {{lastSeen}}</dd>
        <dt>Calls</dt><dd>{{callCount}}, cost {{cost}}</dd>
        <dt>State</dt><dd id="state">{{state}}{{#stateBy}} ({{stateBy}}, {{stateAt}}){{/stateBy}}</dd>
        <dt>Assigned to</dt><dd id="assignee">{{#assignee}}{{assignee}}{{/assignee}}{{^assignee}}no one{{/assignee}}</dd>
        {{#snooze}}<dt>Snoozed</dt><dd id="snooze">{{snooze}}</dd>{{/snooze}}
        <dt>Account</dt><dd id="suspension">{{#suspension}}{{suspension}}{{/suspension}}{{^suspension}}not suspended{{/suspension}} · <a href="/console/suspensions">suspensions</a></dd>
        {{#metrics}}<dt>{{name}}</dt><dd>{{value}}</dd>{{/metrics}}
        </dl>
        <p class="summary">{{summary}}</p>
        {{#mayTriage}}
        <form class="triage" method="post" action="/console/alerts/{{id}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>Comment <textarea name="comment" rows="2"></textarea></label>
        <button type="submit" name="action" value="comment">Comment</button>
        {{#actions}}{{#acknowledge}}<button type="submit" name="action" value="acknowledge">Acknowledge</button>{{/acknowledge}}{{#reopen}}<button type="submit" name="action" value="reopen">Reopen</button>{{/reopen}}{{/actions}}
        {{#actions}}{{#resolve}}<span class="group"><select name="disposition" aria-label="disposition">{{#dispositions}}<option value="{{value}}">{{label}}</option>{{/dispositions}}</select>
        <button type="submit" name="action" value="resolve">Resolve</button></span>{{/resolve}}{{/actions}}
        {{#actions}}{{#falsePositive}}<span class="group"><select name="reason" aria-label="false positive reason"><option value="">reason…</option>{{#reasons}}<option value="{{value}}">{{label}}</option>{{/reasons}}</select>
        <label class="inline"><input type="checkbox" name="close_matching"> also close the other open alerts of this rule and subject</label>
        <button type="submit" name="action" value="false_positive">False positive</button></span>{{/falsePositive}}{{/actions}}
        </form>
        <form class="triage" method="post" action="/console/alerts/{{id}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        {{#snoozable}}
        <span class="group">Back when it costs <input name="more_cost" size="5" value="0" aria-label="more money"> more, has <input name="more_calls" size="3" value="5" aria-label="more calls"> more calls,
        <label class="inline"><input type="checkbox" name="new_country" checked> or calls a new country</label>
        <button type="submit" name="action" value="snooze_worse">Snooze until worse</button></span>
        <span class="group"><label class="inline">until <input type="datetime-local" name="until"> <span class="note">{{zone}}</span></label>
        <button type="submit" name="action" value="snooze_until">Snooze until then</button></span>
        {{/snoozable}}
        {{#snooze}}<button type="submit" name="action" value="unsnooze">Wake now</button>{{/snooze}}
        {{^mine}}<button type="submit" name="action" value="assign_me">Assign to me</button>{{/mine}}
        <span class="group"><select name="assignee" aria-label="assign to">{{#people}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/people}}</select>
        <button type="submit" name="action" value="assign">Assign</button></span>
        {{#assignee}}<button type="submit" name="action" value="unassign">Unassign</button>{{/assignee}}
        </form>
        {{/mayTriage}}
        <h2>Evidence calls</h2>
        {{^calls}}<p class="empty">No calls kept with this alert.</p>{{/calls}}
        {{#hasCalls}}
        <table class="calls"><thead><tr><th>Time (UTC)</th><th>Account</th><th>Caller name</th><th>Number</th><th>Region</th><th>Class</th><th>Risk</th><th>Billed s</th><th>Switch</th><th>Cost</th></tr></thead>
        <tbody>
        {{#calls}}<tr><td>{{time}}</td><td>{{account}}</td><td>{{callerName}}</td><td>{{number}}</td><td>{{region}}</td><td>{{destinationClass}}</td><td>{{risk}}</td><td>{{billsec}}</td><td>{{switchName}}</td><td class="money">{{cost}}</td></tr>{{/calls}}
        </tbody></table>
        {{#moreCalls}}<p class="note" id="more-calls">The latest {{callsListed}} of {{callCountKept}} calls. <a href="/console/alerts/{{id}}?calls=all#more-calls">Show all {{callCountKept}}</a></p>{{/moreCalls}}
        {{/hasCalls}}
        {{#hasCountries}}
        <h2>Destinations</h2>
        <table class="countries"><thead><tr><th>Country or area</th><th>Calls</th><th>Cost</th></tr></thead>
        <tbody>{{#countries}}<tr><td>{{region}}</td><td>{{calls}}</td><td class="money">{{cost}}</td></tr>{{/countries}}</tbody></table>
        {{/hasCountries}}
        {{#chart}}
        <h2>Daily spend, last 30 days</h2>
        <figure class="spend">
        <svg id="spend-chart" viewBox="0 0 {{chartWidth}} {{chartHeight}}" width="{{chartWidth}}" height="{{chartHeight}}" role="img" aria-label="daily spend over 30 days">
        <text x="0" y="12" class="scale">{{scaleTop}}</text>
        <line x1="{{plotLeft}}" y1="{{plotBottom}}" x2="{{plotRight}}" y2="{{plotBottom}}" class="axis"/>
        {{#bars}}<rect x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}" class="day-bar{{#over}} over{{/over}}"><title>{{title}}</title></rect>{{/bars}}
        {{#hasQuota}}<line x1="{{plotLeft}}" y1="{{quotaY}}" x2="{{plotRight}}" y2="{{quotaY}}" class="quota-line"/>
        <text x="{{plotRight}}" y="{{quotaLabelY}}" text-anchor="end" class="quota-label">{{quotaText}}</text>{{/hasQuota}}
        {{#days}}<text x="{{x}}" y="{{labelY}}" class="day">{{text}}</text>{{/days}}
        </svg>
        <figcaption>{{total}} over 30 days{{#hasQuota}}; {{quotaText}} a day, passed on {{overDays}} of them{{/hasQuota}}{{^hasQuota}}; no daily quota{{/hasQuota}}.</figcaption>
        </figure>
        {{/chart}}
        {{#hasLogLines}}
        <h2>Log lines</h2>
        <pre class="log">{{#logLines}}{{.}}
        {{/logLines}}</pre>
        {{/hasLogLines}}
        {{#hasRelated}}
        <h2>Other alerts of {{subject}}</h2>
        <ul class="related">{{#related}}{{> relatedAlert}}{{/related}}</ul>
        {{/hasRelated}}
        {{#hasAddresses}}
        <h2>Source addresses</h2>
        <p id="addresses">{{#addresses}}<a href="/console/attackers?q={{.}}">{{.}}</a> {{/addresses}}</p>
        {{#hasAddressAlerts}}<ul class="related" id="address-alerts">{{#addressAlerts}}{{> relatedAlert}}{{/addressAlerts}}</ul>{{/hasAddressAlerts}}
        {{^hasAddressAlerts}}<p class="empty">No alert about these addresses (the SIP attack watcher's included).</p>{{/hasAddressAlerts}}
        {{/hasAddresses}}
        {{#hasRangeAlerts}}
        <h2>Same number ranges</h2>
        <ul class="related" id="range-alerts">{{#rangeAlerts}}<li><code>{{range}}</code> {{#alert}}{{> relatedAlert}}{{/alert}}</li>{{/rangeAlerts}}</ul>
        {{/hasRangeAlerts}}
        {{#hasLiveCalls}}
        <h2>Calls up now</h2>
        <table class="live"><thead><tr><th>Started</th><th>Caller</th><th>Number</th><th>Region</th><th>Source</th><th>Switch</th><th>Rate</th><th>Cost so far</th></tr></thead>
        <tbody>{{#liveCalls}}<tr data-call="{{uuid}}"><td>{{started}}{{^answered}} (ringing){{/answered}}</td><td>{{callerNumber}}</td><td>{{number}}</td><td>{{region}}</td><td>{{sourceIP}}</td><td>{{switchName}}</td><td class="money">{{rate}}</td><td class="money">{{cost}}</td></tr>{{/liveCalls}}</tbody></table>
        {{/hasLiveCalls}}
        <h2>Timeline</h2>
        <ol class="timeline">
        {{#timeline}}<li><time>{{at}}</time> <strong>{{actor}}</strong> {{what}}{{#note}}: <q>{{note}}</q>{{/note}}</li>{{/timeline}}
        </ol>
        {{> footer}}
        """

    static let accounts = """
        {{> header}}
        <h1>Accounts and quotas</h1>
        <form class="day filter" method="get" action="/console/accounts">
        <label>Day <input type="date" name="date" value="{{date}}"></label> <button type="submit">Show</button>
        <span class="note">in {{zone}}</span>
        <a class="export" href="/console/accounts.csv?date={{date}}">Export CSV</a>
        </form>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        {{^rows}}<p class="empty">No account spent anything that day and none has a quota.</p>{{/rows}}
        {{#hasRows}}
        <table class="accounts"><thead><tr><th>Account</th><th>Calls</th><th>Spent</th><th>Daily quota</th><th></th>{{#mayAdminister}}<th>Change the quota</th>{{/mayAdminister}}</tr></thead>
        <tbody>
        {{#rows}}<tr data-account="{{account}}">
        <td>{{account}}</td><td>{{calls}}</td><td class="money">{{spent}}</td><td class="money">{{quota}}{{#raise}}<div class="by raise">{{raise}}</div>{{/raise}}</td>
        <td>{{#hasQuota}}<div class="bar" title="{{percentText}}"><span class="fill {{quotaClass}}" data-percent="{{quotaPercent}}"></span></div><small>{{percentText}}</small>{{/hasQuota}}</td>
        {{#mayAdminister}}<td><form class="quota" method="post" action="/console/accounts/quota">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="account" value="{{account}}">
        <input name="amount" inputmode="decimal" size="7" value="{{amount}}" aria-label="daily quota of {{account}}">
        <input name="reason" size="18" placeholder="reason (required)" required aria-label="reason">
        <button type="submit" name="action" value="set">Save</button>
        {{#mayRaise}}<button type="submit" name="action" value="raise" title="this quota for today only, back to the standing one at midnight">Raise until midnight</button>{{/mayRaise}}</form></td>{{/mayAdminister}}
        </tr>{{/rows}}
        </tbody></table>
        {{/hasRows}}
        {{> footer}}
        """

    static let journal = """
        {{> header}}
        <h1>Journal</h1>
        <form class="filter" method="get" action="/console/journal">
        <label>Who <input name="actor" value="{{actor}}" size="12"></label>
        <label>What <input name="action" value="{{action}}" size="16" placeholder="alert. quota. export."></label>
        <button type="submit">Filter</button>
        <a class="export" href="{{csvLink}}">Export CSV</a>
        </form>
        <table class="journal"><thead><tr><th>Time (UTC)</th><th>Who</th><th>What</th><th>Subject</th><th>Before → after</th><th>Note</th></tr></thead>
        <tbody>
        {{#entries}}<tr><td>{{at}}</td><td>{{actor}}</td><td>{{action}}</td><td>{{subject}}</td><td>{{change}}</td><td>{{note}}</td></tr>{{/entries}}
        </tbody></table>
        {{> footer}}
        """

    /// The tab's icon (a browser asks for one; a missing icon is an error in its console).
    static let icon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" \
        fill="#1d2430"/><path d="M4 4h8v2H9v6H7V6H4z" fill="#f0b429"/></svg>
        """

    /// The console's stylesheet (no inline styles: the Content-Security-Policy forbids them).
    static let stylesheet = """
        body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f6f7f9; }
        header.top { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; background: #1d2430; color: #fff; }
        header.top a { color: #fff; text-decoration: none; }
        header.top nav { display: flex; gap: 1rem; flex: 1; }
        header.top nav a[aria-current] { border-bottom: 2px solid #f0b429; }
        .brand { font-weight: 700; }
        .count { background: #3e4c59; border-radius: 9px; padding: 0 .45rem; font-size: .85em; }
        .who { display: flex; gap: .6rem; align-items: center; margin: 0; }
        main { padding: 1rem 1.2rem; max-width: 1360px; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
        th { background: #eef0f3; font-weight: 600; }
        .money { text-align: right; font-variant-numeric: tabular-nums; }
        .badge { border-radius: 4px; padding: 0 .4rem; font-size: .85em; text-transform: uppercase; }
        .badge.critical { background: #b42318; color: #fff; } .badge.high { background: #e8590c; color: #fff; }
        .badge.warning { background: #f0b429; } .badge.info { background: #d9e2ec; }
        .rule, .by { color: #616e7c; font-size: .85em; }
        .bar { width: 8rem; height: .5rem; background: #e4e7eb; border-radius: 3px; overflow: hidden; }
        .fill { display: block; height: 100%; background: #3ebd93; }
        .fill.near { background: #f0b429; } .fill.over { background: #b42318; }
        .fill[data-percent="0"] { width: 0; }
        #spend-chart { background: #fff; max-width: 100%; height: auto; }
        #spend-chart .day-bar { fill: #3e7cb1; } #spend-chart .day-bar.over { fill: #b42318; }
        #spend-chart .quota-line { stroke: #b42318; stroke-width: 2; stroke-dasharray: 6 4; }
        #spend-chart .axis { stroke: #9aa5b1; } #spend-chart text { font-size: 11px; fill: #52606d; }
        figure.spend { margin: 0; }
        \(barWidths)
        .error { color: #b42318; font-weight: 600; }
        .note { color: #616e7c; }
        form.quota { display: flex; gap: .3rem; margin: 0; }
        .empty { color: #616e7c; }
        form.login { display: grid; gap: .6rem; max-width: 22rem; }
        form.triage { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin: 1rem 0; }
        form.triage label { flex-basis: 100%; display: grid; }
        form.triage label.inline { flex-basis: auto; display: inline; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
        dt { color: #616e7c; } dd { margin: 0; }
        pre.log { background: #fff; padding: .6rem; overflow-x: auto; white-space: pre-wrap; }
        ol.timeline { padding-left: 1.2rem; }
        .cluster-notice { background: #eef4ff; border: 1px solid #7aa7e8; border-radius: 4px; padding: .4rem .8rem; }
        #live-banner { display: flex; flex-wrap: wrap; gap: .8rem; align-items: center; background: #fff7e0; border: 1px solid #f0b429; border-radius: 4px; padding: .4rem .8rem; margin-bottom: .8rem; }
        .live-alert { color: #3e4c59; }
        .new-mark { background: #2186eb; color: #fff; border-radius: 4px; padding: 0 .35rem; font-size: .8em; }
        form.filter, .bulk-actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .6rem 0; }
        form.filter .export { margin-left: auto; }
        .group { display: inline-flex; flex-wrap: wrap; gap: .3rem; align-items: center; }
        ul.hooks { margin: 0; padding-left: 1rem; font-size: .9em; }
        form.suspend { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin: 1rem 0; }
        form.unsuspend { display: flex; gap: .3rem; margin: 0; }
        """

    /// Widths for the quota bars in steps of 5 % (`data-percent` is rounded to a step): CSS
    /// only, no inline style attribute.
    static let barWidths = stride(from: 5, through: 100, by: 5)
        .map { ".fill[data-percent=\"\($0)\"] { width: \($0)%; }" }.joined(separator: "\n")
}
