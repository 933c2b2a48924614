// The one `vsce package` command line (package.json "package", scripts/ui.mjs, scripts/start.mjs): no
// suppression flags. --no-dependencies: the bundles in dist/ hold every dependency (the VSIX carries no
// node_modules). --readme-path: the Marketplace page is README.marketplace.md (for users: what it does,
// screenshots shipped in media/marketplace/, the settings); README.md stays the developers' page.
export const VSCE_PACKAGE_ARGS = ['package', '--no-dependencies', '--readme-path', 'README.marketplace.md'];
