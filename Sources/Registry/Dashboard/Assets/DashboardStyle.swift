/// The dashboard's stylesheet, served at `/ui/static/dashboard.css`. Compiled in, so the registry binary is
/// the whole deployment (no asset folder to install, no CDN, works offline).
enum DashboardStyle {
    static let css = """
        :root { --ink: #1d2430; --muted: #5b6575; --line: #d8dde5; --paper: #ffffff; --tint: #f4f6f9;
          --accent: #1f5fbf; --ok: #23833f; --warn: #b26a00; --bad: #c0392b; font-family: system-ui, sans-serif; }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--ink); background: var(--tint); line-height: 1.45; }
        header { background: var(--ink); color: #fff; }
        header nav { display: flex; flex-wrap: wrap; align-items: center; gap: .25rem 1rem; padding: .5rem 1rem; max-width: 80rem; margin: 0 auto; }
        header a { color: #fff; text-decoration: none; padding: .25rem .5rem; border-radius: .25rem; }
        header a:hover, header a:focus { background: #34405a; }
        header a[aria-current="page"] { background: var(--accent); }
        header ul { display: flex; flex-wrap: wrap; gap: .25rem; list-style: none; margin: 0; padding: 0; }
        .brand { font-weight: 700; }
        header form { margin-left: auto; }
        main { max-width: 80rem; margin: 0 auto; padding: 1rem; }
        h1 { font-size: 1.5rem; margin: .25rem 0 1rem; }
        h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
        section.panel > h2:first-child { margin-top: .25rem; }
        section.panel { background: var(--paper); border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem; margin-bottom: 1rem; }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .75rem; margin-bottom: 1rem; }
        .card { background: var(--paper); border: 1px solid var(--line); border-radius: .5rem; padding: .5rem .75rem; color: inherit; text-decoration: none; }
        .card strong { display: block; font-size: 1.6rem; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-size: .92rem; }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { color: var(--muted); font-weight: 600; white-space: nowrap; }
        td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
        code, .id { font-family: ui-monospace, monospace; font-size: .88em; overflow-wrap: anywhere; }
        pre { overflow-x: auto; max-width: 100%; background: var(--tint); padding: .5rem; border-radius: .3rem; }
        td .id, td time { white-space: nowrap; overflow-wrap: normal; }
        td svg.chart { min-width: 14rem; }
        .state { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .85rem; border: 1px solid var(--line); }
        .state-ok, .state-completed, .state-active, .state-passed { background: #e6f4ea; color: var(--ok); }
        .state-updating, .state-enrolled, .state-paused { background: #fff4e0; color: var(--warn); }
        .state-failing, .state-incompatible, .state-aborted, .state-rolledBack, .state-failed, .state-over { background: #fdecea; color: var(--bad); }
        .muted { color: var(--muted); }
        .error, .notice { border-radius: .4rem; padding: .5rem .75rem; margin: 0 0 1rem; }
        .error { background: #fdecea; border: 1px solid var(--bad); }
        .notice { background: #e8f0fc; border: 1px solid var(--accent); }
        form.inline { display: inline; }
        form.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin-bottom: 1rem; }
        form.filters label, form.login label { display: flex; flex-direction: column; font-size: .9rem; color: var(--muted); }
        input, select, button { font: inherit; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: .3rem; }
        button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
        button.secondary { background: var(--paper); color: var(--accent); }
        button.danger { background: var(--bad); border-color: var(--bad); }
        button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
        .actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .75rem 0; }
        form.login { max-width: 26rem; margin: 3rem auto; background: var(--paper); border: 1px solid var(--line); border-radius: .5rem; padding: 1.5rem; }
        form.login input { width: 100%; margin-top: .25rem; }
        svg.chart { width: 100%; height: auto; max-width: 48rem; display: block; }
        svg.chart text { font-size: 14px; fill: var(--muted); }
        .legend { display: flex; flex-wrap: wrap; gap: .25rem 1rem; font-size: .85rem; margin: .25rem 0; padding: 0; list-style: none; }
        .swatch { width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -.1rem; }
        footer { max-width: 80rem; margin: 0 auto; padding: 0 1rem 1rem; color: var(--muted); font-size: .8rem; }
        @media (max-width: 40rem) {
          main { padding: .5rem; }
          header form { margin-left: 0; }
          th, td { padding: .3rem; }
          .cards { grid-template-columns: repeat(2, 1fr); }
        }
        """
}
