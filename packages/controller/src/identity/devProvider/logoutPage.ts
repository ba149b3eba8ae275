/** The dev provider's sign-out confirmation: the provider's own form plus two buttons; nothing external. */
export function renderLogoutPage(providerForm: string): string {
  return page(
    'Sign out',
    `<h1>Sign out?</h1>
${providerForm}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>`,
  );
}

export function renderLoggedOutPage(): string {
  return page('Signed out', '<h1>Signed out</h1><p>You can close this window.</p>');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – Plenum development identity provider</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;display:grid;place-items:center;min-height:100vh;margin:0}
main{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 2px 8px #0002;width:min(22rem,90vw)}
button{margin-top:1rem;width:100%;padding:.6rem;font-size:1rem}.secondary{background:#fff}
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}
