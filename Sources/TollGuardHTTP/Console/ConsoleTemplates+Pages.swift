extension ConsoleTemplates {
    static let suspensions = """
        {{> header}}
        <h1>Suspensions <a class="export" href="/console/suspensions.csv">Export CSV</a></h1>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        {{#mayTriage}}
        <form class="suspend" method="post" action="/console/suspensions">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="suspend">
        <label>Account <input name="account" required size="12" value="{{account}}"></label>
        <label>Reason <input name="reason" required size="30"></label>
        <label>For hours <input name="hours" size="4" inputmode="decimal" placeholder="until lifted"></label>
        <button type="submit">Suspend</button>
        </form>
        {{/mayTriage}}
        <h2>Now</h2>
        {{^current}}<p class="empty">No account is suspended.</p>{{/current}}
        {{#hasCurrent}}{{> suspensionTable}}{{/hasCurrent}}
        {{#hasPast}}
        <h2>Before</h2>
        <table class="suspensions"><thead><tr><th>#</th><th>Account</th><th>State</th><th>Why</th><th>By</th><th>Since (UTC)</th><th>Lifted</th><th>Hooks</th></tr></thead>
        <tbody>
        {{#past}}<tr data-suspension="{{id}}"><td>{{id}}</td><td>{{account}}</td><td>{{state}}</td><td>{{reason}}</td><td>{{actor}}</td><td>{{since}}</td><td>{{lifted}}</td>
        <td>{{> hookList}}</td></tr>{{/past}}
        </tbody></table>
        {{/hasPast}}
        {{> footer}}
        """

    static let suspensionTable = """
        <table class="suspensions"><thead><tr><th>#</th><th>Account</th><th>Why</th><th>By</th><th>Since (UTC)</th><th>Until</th><th>Hooks</th>{{#mayTriage}}<th>Lift</th>{{/mayTriage}}</tr></thead>
        <tbody>
        {{#current}}<tr data-suspension="{{id}}"><td>{{id}}</td><td>{{account}}</td><td>{{reason}}</td><td>{{actor}}</td><td>{{since}}</td><td>{{#until}}{{until}}{{/until}}{{^until}}lifted by hand{{/until}}</td>
        <td>{{> hookList}}</td>
        {{#mayTriage}}<td><form class="unsuspend" method="post" action="/console/suspensions">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="unsuspend">
        <input type="hidden" name="account" value="{{account}}">
        <input name="reason" size="16" required placeholder="reason (required)" aria-label="reason to lift {{account}}">
        <button type="submit">Unsuspend</button></form></td>{{/mayTriage}}
        </tr>{{/current}}
        </tbody></table>
        """

    static let hookList = """
        {{^hooks}}<span class="note">no hook</span>{{/hooks}}{{#hasHooks}}<ul class="hooks">{{#hooks}}<li class="hook"><strong>{{hook}}</strong> {{event}}: <span class="outcome">{{outcome}}</span>{{#output}} <q>{{output}}</q>{{/output}}</li>{{/hooks}}</ul>{{/hasHooks}}
        """

    static let attackers = """
        {{> header}}
        <h1>SIP attackers</h1>
        <form class="filter" method="get" action="/console/attackers">
        <label>Address <input name="address" value="{{address}}" size="20" placeholder="part of an address"></label>
        <button type="submit">Filter</button>
        <span class="note">{{#banLog}}bans from {{banLog}}{{/banLog}}{{^banLog}}no ban log configured (sip_watch.ban_log){{/banLog}}</span>
        <a class="export" href="{{csvLink}}">Export CSV</a>
        </form>
        {{^rows}}<p class="empty">The SIP attack watcher raised no alert{{#address}} on an address like this{{/address}}.</p>{{/rows}}
        {{#hasRows}}
        <table class="attackers"><thead><tr><th>Address</th><th>Rules</th><th>Attempts</th><th>Alerts</th><th>Severity</th><th>First seen (UTC)</th><th>Last seen (UTC)</th><th>Banned</th><th>Latest lines</th></tr></thead>
        <tbody>
        {{#rows}}<tr data-address="{{address}}"><td><a href="{{queueLink}}">{{address}}</a></td><td>{{rules}}</td><td>{{attempts}}</td><td>{{alerts}} ({{openAlerts}} open)</td>
        <td><span class="badge {{severity}}">{{severity}}</span></td><td>{{firstSeen}}</td><td>{{lastSeen}}</td>
        <td>{{#banned}}yes ({{bans}}){{/banned}}{{^banned}}no{{/banned}}</td>
        <td><pre class="log">{{#lines}}{{.}}
        {{/lines}}</pre></td></tr>{{/rows}}
        </tbody></table>
        {{/hasRows}}
        {{> footer}}
        """

    static let live = """
        {{> header}}
        <h1>Live calls{{#hasCalls}} <span class="note">({{count}})</span>{{/hasCalls}}</h1>
        {{^hasSource}}<p class="empty">This serve has no live source: configure the event socket or tailed CDR files to see calls while they are up.</p>{{/hasSource}}
        {{#hasSource}}
        <p class="note">{{#at}}As of {{at}} UTC (switch time); reload for now.{{/at}}{{^at}}No snapshot yet.{{/at}}</p>
        {{^accounts}}<p class="empty">No call is up.</p>{{/accounts}}
        {{#hasCalls}}
        <table class="live"><thead><tr><th>Account</th><th>Caller</th><th>Number</th><th>Region</th><th>From</th><th>Switch</th><th>Started (UTC)</th><th>Rate</th><th>So far</th></tr></thead>
        {{#accounts}}<tbody data-account="{{account}}">
        <tr class="account"><th>{{account}}</th><th colspan="7">{{count}} up</th><th class="money">{{cost}}</th></tr>
        {{#calls}}<tr data-call="{{uuid}}"><td></td><td>{{callerNumber}}</td><td>{{number}}</td><td>{{region}}</td><td>{{sourceIP}}</td><td>{{switchName}}</td><td>{{started}}{{^answered}} (ringing){{/answered}}</td><td class="money">{{rate}}</td><td class="money">{{cost}}</td></tr>{{/calls}}
        </tbody>{{/accounts}}
        </table>
        {{/hasCalls}}
        {{/hasSource}}
        {{> footer}}
        """
}
