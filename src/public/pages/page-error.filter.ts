import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ERROR_STATUS } from '../../common/errors/domain-error';
import { redactUrl } from '../../common/logging/redact-url';
import { AppConfig } from '../../config/app-config';
import { html, SafeHtml } from './html';
import { renderPage, sendPage } from './layout';

/** A page-level refusal with its own status and words (a stale form, for one). */
export class PageError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

const WORDS: Record<number, [string, string]> = {
  404: ['Not found', 'This page does not exist, or the link is no longer valid.'],
  405: ['Not found', 'This page does not exist, or the link is no longer valid.'],
  413: ['Too large', 'That form was too large.'],
  414: ['Too long', 'That address is too long.'],
  415: ['Not accepted', 'That form could not be read.'],
  429: ['Too many requests', 'Please wait a minute, then try again.'],
};

/**
 * A refusal of a page's request raised before its route (the form's parser, its size), as the page words it:
 * the status the API gives, and what it says (a form that is not UTF-8, a stray %).
 */
export function pageRefusal(refusal: { statusCode: number; code: string; message: string }): PageError {
  // The form parser's own words are written for people (not UTF-8, a stray %); the router's are not.
  const [title, message] = WORDS[refusal.statusCode] ?? [
    'Not accepted',
    refusal.code === 'bad_request' ? refusal.message : UNREADABLE,
  ];
  return new PageError(refusal.statusCode, title, message);
}

const UNREADABLE = 'That address or form could not be read. Please go back and try again.';

/** The customer page each request is about, once its route found it (a type published, a token valid). */
const pagesFound = new WeakMap<object, { kind: 'book' | 'change'; address: string }>();

/**
 * Marks `request` as about an existing customer page (the booking page at `address`, or an appointment's change
 * page), for its error page to lead back to. Set by the routes once they found the page: a refusal before that (a
 * stale form, too many requests, which are answered before the page is looked up) cannot tell that the address
 * names a page there is, and led back to a page that did not exist.
 */
export function markPageFound(request: object, kind: 'book' | 'change', address: string): void {
  pagesFound.set(request, { kind, address });
}

/**
 * The way on from a refusal: back to the booking or change page it came from, once the route found that page (a
 * time no longer free, a form sent with a field too many), or none. Not the service's home page: that one is
 * written for whoever runs the service, not for a customer.
 */
function wayBack(request: object): SafeHtml | '' {
  const page = pagesFound.get(request);
  if (page === undefined) return '';
  return page.kind === 'book'
    ? html`<p><a href="${page.address}">Back to the booking page</a></p>`
    : html`<p><a href="${page.address}">Back to your appointment</a></p>`;
}

/** The pages answer errors as pages (same statuses as the API), never as JSON. */
@Catch()
export class PageErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Pages');

  constructor(private readonly config: AppConfig) {}

  catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    return this.answer(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }

  /** Answers `exception` as a page (also for refusals raised outside Nest, by the router). */
  async answer(exception: unknown, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    let status = 500;
    let title = 'Something went wrong';
    let message = 'Please try again in a moment.';
    if (exception instanceof PageError) {
      ({ status, title, message } = exception);
    } else if (exception instanceof DomainError) {
      status = ERROR_STATUS[exception.code];
      // A 400 raised in a page's route is a form the page did not make (300 extra fields): no field to point at.
      const own = status === 400 ? UNREADABLE : exception.message;
      [title, message] = WORDS[status] ?? [status < 500 ? 'Not accepted' : title, own];
    } else if (exception instanceof HttpException && exception.getStatus() < 500) {
      status = exception.getStatus();
      [title, message] = WORDS[status] ?? ['Not accepted', 'That request could not be handled.'];
    }
    if (status >= 500) {
      this.logger.error({
        msg: 'page failed',
        request_id: String(request.id),
        method: request.method,
        url: redactUrl(request.url),
        error: exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      });
    }
    const body = html`<article class="card">
      <h1>${title}</h1>
      <p>${message}</p>
      ${wayBack(request)}
      <p class="muted">Reference: ${String(request.id)}</p>
    </article>`;
    await sendPage(
      reply,
      status,
      renderPage({ title, siteName: this.config.siteName, body }),
      this.config.publicFrameAncestors,
    );
  }
}
