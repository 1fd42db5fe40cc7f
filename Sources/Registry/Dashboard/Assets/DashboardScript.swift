/// The dashboard's only script, served at `/ui/static/dashboard.js`: confirmations for actions and live
/// refresh. Pages work without it (forms post, links navigate); it adds what a page cannot do alone.
///
/// Refresh fetches the page's own URL every `data-refresh` seconds (at least 3), never two at once, not
/// while the tab is hidden or a form field has focus, and swaps in the new `#content`. A session that
/// ended sends the browser to the login form.
enum DashboardScript {
    static let javascript = """
        "use strict";
        (function () {
          document.addEventListener("submit", function (event) {
            var question = event.target.getAttribute("data-confirm");
            if (question && !window.confirm(question)) { event.preventDefault(); }
          });
          // A finished action's notice (`?done=`) belongs to the page it returned to, not to later refreshes.
          if (window.location.search.indexOf("done=") !== -1 && window.history.replaceState) {
            window.history.replaceState(null, "", window.location.pathname);
          }
          var main = document.getElementById("content");
          if (!main || !main.hasAttribute("data-refresh")) { return; }
          var seconds = Math.max(3, parseInt(main.getAttribute("data-refresh"), 10) || 5);
          var busy = false;
          function editing() {
            var active = document.activeElement;
            return active && main.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName);
          }
          function refresh() {
            if (busy || document.hidden || editing()) { return; }
            busy = true;
            fetch(window.location.href, { credentials: "same-origin", redirect: "manual", headers: { "X-Dashboard-Refresh": "1" } })
              .then(function (response) {
                if (response.type === "opaqueredirect" || response.status === 401) { window.location.assign("/ui/login"); return null; }
                return response.ok ? response.text() : null;
              })
              .then(function (text) {
                if (!text) { return; }
                var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("content");
                if (fresh && fresh.innerHTML !== main.innerHTML) { main.innerHTML = fresh.innerHTML; }
              })
              .catch(function () { /* offline for a moment: the next tick tries again */ })
              .then(function () { busy = false; });
          }
          window.setInterval(refresh, seconds * 1000);
        })();
        """
}
