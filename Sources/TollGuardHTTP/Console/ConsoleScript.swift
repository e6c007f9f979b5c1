/// The console's only script, served as `/console/console.js`: live updates by server-sent events.
///
/// Every page works without it; with it, the tab counts follow the store and a banner says what
/// was raised or changed since the page loaded.
///
/// Text from the store (subjects, headlines) only ever goes in through `textContent`, never as markup.
enum ConsoleScript {
    static let source = """
        // TollGuard review console: live updates (server-sent events). The pages work without this.
        (function () {
          "use strict";
          if (!window.EventSource) { return; }
          var newest = document.querySelector("meta[name=tollguard-newest-alert]");
          var since = newest ? newest.getAttribute("content") : "";
          var source = new EventSource("/console/events" + (/^[0-9]+$/.test(since) ? "?since=" + since : ""));
          var raised = [];
          var seen = {};
          var changed = 0;
          source.addEventListener("open", function () { document.documentElement.setAttribute("data-live", "open"); });
          function banner() {
            var element = document.getElementById("live-banner");
            if (!element) {
              element = document.createElement("div");
              element.id = "live-banner";
              element.setAttribute("role", "status");
              var main = document.querySelector("main");
              if (!main) { return null; }
              main.insertBefore(element, main.firstChild);
            }
            return element;
          }
          source.addEventListener("alerts", function (event) {
            var update;
            try { update = JSON.parse(event.data); } catch (error) { return; }
            var counts = update.counts || {};
            Object.keys(counts).forEach(function (tab) {
              var count = document.getElementById("count-" + tab);
              if (count) { count.textContent = String(counts[tab]); }
            });
            (update.alerts || []).forEach(function (alert) {
              // An alert raised as the page connected may come both ways: counted once.
              if (alert.new) {
                if (seen[alert.id]) { return; }
                seen[alert.id] = true;
                raised.push(alert);
              } else {
                changed += 1;
              }
            });
            var element = banner();
            if (!element) { return; }
            while (element.firstChild) { element.removeChild(element.firstChild); }
            var text = [];
            if (raised.length) { text.push(raised.length + (raised.length === 1 ? " new alert" : " new alerts")); }
            if (changed) { text.push(changed + (changed === 1 ? " alert changed" : " alerts changed")); }
            var summary = document.createElement("strong");
            summary.textContent = text.join(", ") + " since this page loaded";
            element.appendChild(summary);
            raised.slice(-3).forEach(function (alert) {
              var line = document.createElement("span");
              line.className = "live-alert";
              line.textContent = alert.severity + " · " + alert.subject + " · " + alert.headline;
              element.appendChild(line);
            });
            var reload = document.createElement("a");
            reload.href = window.location.href;
            reload.textContent = "Reload";
            element.appendChild(reload);
          });
          window.addEventListener("pagehide", function () { source.close(); });
        })();

        """
}
