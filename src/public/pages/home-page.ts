import { html } from './html';
import { renderPage, RenderedPage } from './layout';

/**
 * What the service's own address shows (the start-up banner prints it): where customers book, and where the
 * API is. Appointment types are not listed: a published type's page is shared by its link, and an admin who
 * sends a private link to some customers would not expect it on a public index.
 */
export function homePage(siteName: string): RenderedPage {
  const body = html`<article class="card">
    <h1>Appointment booking</h1>
    <p>
      Customers book on an appointment type's own page, <code>/book/</code> followed by the type's slug, and
      change or cancel an appointment through the link of its confirmation page (the same link every webhook
      carries as <code>public_edit_url</code>).
    </p>
    <p class="muted">
      Admins manage appointment types, team members and webhooks through the REST API:
      <a href="/docs">its documentation (Swagger UI)</a>. Liveness: <a href="/health">/health</a>.
    </p>
  </article>`;
  return renderPage({ title: 'Appointment booking', siteName, body });
}
