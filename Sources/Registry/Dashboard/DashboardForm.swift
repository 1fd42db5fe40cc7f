/// The dashboard's state-changing forms: always POST, always with the session's CSRF token.
enum DashboardForm {
    /// A one-button form. `confirm`: the question `DashboardScript` asks before it is sent.
    static func post(_ action: String, session: DashboardSession, button: String, style: String = "", confirm: String? = nil, extra: HTML = "")
        -> HTML
    {
        let question: HTML = confirm.map { " data-confirm=\"\($0)\"" } ?? ""
        let buttonClass: HTML = style.isEmpty ? "" : " class=\"\(style)\""
        return """
            <form class="inline" method="post" action="\(action)"\(question)><input type="hidden" name="csrf" value="\(session.csrfToken)">\(extra)<button type="submit"\(buttonClass)>\(button)</button></form>
            """
    }
}
