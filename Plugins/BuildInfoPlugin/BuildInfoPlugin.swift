import Foundation
import PackagePlugin

/// Writes the git commit the programs are built from into the `BuildInfo` target (for `--version`).
///
/// A prebuild command, so it runs on every build and sees the current commit. The file is replaced only
/// when its content changes, so an unchanged commit recompiles nothing. Outside a git checkout (a source
/// archive) the commit is `unknown`.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        let script = """
            mkdir -p "$2" && out="$2/GeneratedCommit.swift"
            commit=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
            if [ "$commit" != unknown ] && [ -n "$(git -C "$1" status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit+changes"; fi
            printf '/// Written at build time by BuildInfoPlugin.\\nlet generatedCommit = "%s"\\n' "$commit" > "$out.new"
            if cmp -s "$out.new" "$out"; then rm "$out.new"; else mv "$out.new" "$out"; fi
            """
        return [
            .prebuildCommand(
                displayName: "Recording the git commit for --version",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path],
                outputFilesDirectory: output)
        ]
    }
}
