import { escapeHtml } from '../../http/escapeHtml.js';
import { devAccounts } from './accounts.js';

/** The dev provider's sign-in form: plain HTML, no script, every value escaped. */
export function renderLoginPage(input: { action: string; clientName: string; username?: string; error?: string }): string {
  const users = devAccounts.map((a) => escapeHtml(a.username)).join(', ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in – Plenum development identity provider</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;display:grid;place-items:center;min-height:100vh;margin:0}
main{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 2px 8px #0002;width:min(22rem,90vw)}
label{display:block;margin-top:1rem}input{width:100%;padding:.5rem;box-sizing:border-box;font-size:1rem}
button{margin-top:1.5rem;width:100%;padding:.6rem;font-size:1rem}.error{color:#b00020}.hint{color:#555;font-size:.85rem}
</style>
</head>
<body>
<main>
<h1>Sign in</h1>
<p>to <strong>${escapeHtml(input.clientName)}</strong></p>
${input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : ''}
<form method="post" action="${escapeHtml(input.action)}">
<label for="username">User name</label>
<input id="username" name="username" autocomplete="username" required autofocus value="${escapeHtml(input.username ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p class="hint">Development provider. Users: ${users}.</p>
</main>
</body>
</html>`;
}
