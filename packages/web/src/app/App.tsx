/** Placeholder until the conference client lands: shows that the controller serves the app. */
export function App() {
  const german = navigator.language.toLowerCase().startsWith('de');
  return (
    <main>
      <h1>Plenum</h1>
      <p>
        {german
          ? 'Sichere Videokonferenzen. Die Konferenz-Oberfläche folgt in Kürze.'
          : 'Secure video conferencing. The conference client is on its way.'}
      </p>
      <p>
        <a href="/v1/openapi.json">REST API (OpenAPI)</a>
      </p>
    </main>
  );
}
