import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { html, SafeHtml } from './html';

/** Phone first: one column, nothing wider than the screen, tap targets of at least 44 px. */
const STYLE = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f4f5f8;overflow-wrap:anywhere}
main{max-width:40rem;margin:0 auto;padding:1rem}
.card{background:#fff;border-radius:12px;padding:1rem 1.1rem;margin:0 0 1rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:1.45rem;line-height:1.25;margin:.2rem 0 .4rem}
h2{font-size:1.1rem;margin:0 0 .6rem}
h2.details{margin-top:1.4rem}
.site{font-size:.9rem;color:#5a6275;margin:0}
.muted{color:#5a6275}
.description{white-space:pre-line}
.notice{background:#e8f4ec;border-left:4px solid #2e8b57;padding:.7rem .9rem;border-radius:8px;margin:0 0 1rem}
.notice.warn{background:#fdf0e7;border-color:#d2691e}
.error{color:#b3261e;margin:.25rem 0 0;font-size:.95rem}
dl{margin:0}dt{font-weight:600;margin-top:.6rem}dd{margin:0}dd.answer{white-space:pre-line}
label{display:block;font-weight:600;margin:.8rem 0 .3rem}
input,select,textarea,button,.button{font:inherit}
input[type=text],input[type=email],input[type=tel],input[type=number],select,textarea{width:100%;min-height:44px;padding:.55rem .7rem;border:1px solid #737b8c;border-radius:8px;background:#fff;color:inherit}
textarea{min-height:6rem}
input[aria-invalid=true],select[aria-invalid=true],textarea[aria-invalid=true]{border:2px solid #b3261e}
.check input[aria-invalid=true]{outline:2px solid #b3261e;outline-offset:2px}
[aria-invalid=true]:focus-visible{outline:2px solid #b3261e;outline-offset:2px}
.check{display:flex;gap:.6rem;align-items:center;font-weight:400}
.check input{width:1.3rem;height:1.3rem}
button,.button{display:inline-flex;align-items:center;justify-content:center;min-height:44px;padding:.6rem 1.1rem;border-radius:8px;border:0;background:#2f5bd3;color:#fff;font-weight:600;text-decoration:none;cursor:pointer}
button.secondary,.button.secondary{background:#e6e9f0;color:#1d2330}
button.danger{background:#b3261e}
.wide{width:100%;margin-top:1rem}
.actions{display:flex;flex-wrap:wrap;gap:.6rem;margin-top:1rem}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}
.row>div{flex:1 1 12rem;min-width:0}
.days{display:grid;grid-template-columns:repeat(auto-fill,minmax(4.6rem,1fr));gap:.4rem;margin:.6rem 0}
.days a{display:block;text-align:center;padding:.45rem .2rem;border-radius:8px;border:1px solid #737b8c;color:inherit;text-decoration:none;line-height:1.2}
.days a[aria-current=date]{background:#2f5bd3;border-color:#2f5bd3;color:#fff}
.days small{display:block;font-size:.8rem}
fieldset{border:0;padding:0;margin:.8rem 0 0;min-width:0}
legend{font-weight:600;padding:0;margin-bottom:.4rem}
.times{display:grid;grid-template-columns:repeat(auto-fill,minmax(6.2rem,1fr));gap:.45rem}
.times label{margin:0;font-weight:500}
.times input{position:absolute;opacity:0;width:1px;height:1px}
.times span{display:flex;flex-direction:column;align-items:center;justify-content:center;text-align:center;min-height:44px;border:1px solid #2f5bd3;border-radius:8px;color:#2f5bd3}
.times input:checked+span{background:#2f5bd3;color:#fff}
.times input:focus-visible+span{outline:3px solid #1d2330;outline-offset:2px}
@media (forced-colors:active){.days a[aria-current=date],.times input:checked+span{forced-color-adjust:none;background:Highlight;border-color:Highlight;color:HighlightText}button,.button{border:1px solid ButtonText}[aria-invalid=true]{border-style:dashed;border-width:3px}}
.pager{display:flex;justify-content:space-between;gap:.5rem;flex-wrap:wrap}
a{color:#2f5bd3}
`;

/**
 * Detects the visitor's zone once (when the URL names none), submits the zone form when a zone is picked with a
 * pointer or confirmed with Enter (arrow keys only move through the list: each change submitted, the keyboard
 * could not get past the next zone), and takes away the hint for visitors without script (a <noscript> would
 * do, but is never shown when tests turn script off).
 * Keeps what the visitor typed in the booking form (`data-keep-details`) in the tab's sessionStorage, so that
 * picking another day or zone, each a new page, does not lose it: put back on `pageshow`, after the browser's
 * own refill of a page reached by Back (which fires no input events), so that the form always shows what was
 * typed last. Saved as typed, never from what a page came with; forgotten on the confirmation page
 * (`data-forget-details`), so a refused, expired or failed post keeps it. With nothing kept (booked, or never
 * typed), the fields show what the page came with, not the browser's refill: Back after booking showed the
 * booked answers, ready to book again. An abandoned form's answers stay in the tab until it is closed.
 * A page that answers a form's post (a booking's fields at fault, a move refused) takes its own address
 * (`data-address`) in the tab's history: Back to it, or a reload, fetches that page again rather than asking to
 * resend the form.
 */
const SCRIPT = `(function(){
var form=document.querySelector('form[data-keep-details]');
if(form){
var key='booking-details:'+location.pathname;
var fields=function(){return Array.prototype.filter.call(form.elements,function(el){return el.name&&el.name.indexOf('field:')===0})};
var save=function(){var v={};fields().forEach(function(el){v[el.name]=el.type==='checkbox'?String(el.checked):el.value});try{sessionStorage.setItem(key,JSON.stringify(v))}catch(e){}};
window.addEventListener('pageshow',function(){var text=null,saved={};try{text=sessionStorage.getItem(key);saved=JSON.parse(text||'{}')||{}}catch(e){}
if(text===null){fields().forEach(function(el){if(el.type==='checkbox'){el.checked=el.defaultChecked}else if(el.tagName==='SELECT'){Array.prototype.forEach.call(el.options,function(o){o.selected=o.defaultSelected})}else{el.value=el.defaultValue}});return}
fields().forEach(function(el){var v=saved[el.name];if(typeof v!=='string')return;if(el.type==='checkbox'){el.checked=v==='true'}else{el.value=v}})});
form.addEventListener('input',save);form.addEventListener('change',save);
}
var booked=document.querySelector('[data-forget-details]');
if(booked){try{sessionStorage.removeItem('booking-details:'+booked.getAttribute('data-forget-details'))}catch(e){}}
var hint=document.getElementById('zone-hint');if(hint){hint.remove()}
var root=document.documentElement,tz;
if(root.dataset.address&&history.replaceState){history.replaceState(null,'',root.dataset.address)}
try{tz=Intl.DateTimeFormat().resolvedOptions().timeZone}catch(e){}
var url=new URL(location.href);
if(root.dataset.detectZone==='1'&&tz&&!url.searchParams.has('tz')&&tz!==root.dataset.zone){url.searchParams.set('tz',tz);location.replace(url.toString());return}
var select=document.getElementById('tz');
if(select&&select.form){var keyed=false;
select.addEventListener('keydown',function(e){keyed=true;if(e.key==='Enter'){e.preventDefault();select.form.submit()}});
select.addEventListener('mousedown',function(){keyed=false});
select.addEventListener('change',function(){if(!keyed)select.form.submit()})}
})();`;

export interface PageOptions {
  title: string;
  siteName: string;
  body: SafeHtml;
  /** The zone the page shows times in, and whether the browser may replace it with the visitor's own. */
  zone?: string;
  detectZone?: boolean;
  /** The page's own address, when it answers a form's post (see SCRIPT). */
  address?: string;
}

export interface RenderedPage {
  html: string;
  nonce: string;
}

export function renderPage(options: PageOptions): RenderedPage {
  const nonce = randomBytes(16).toString('base64');
  const page = html`<!doctype html>
    <html
      lang="en"
      data-zone="${options.zone ?? ''}"
      data-detect-zone="${options.detectZone ? '1' : '0'}"
      ${options.address === undefined ? '' : html` data-address="${options.address}"`}
    >
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <meta name="robots" content="noindex" />
        <link rel="icon" href="data:," />
        <title>${options.title} · ${options.siteName}</title>
        <style nonce="${nonce}">
          ${new SafeHtml(STYLE)}
        </style>
      </head>
      <body>
        <main>
          <p class="site">${options.siteName}</p>
          ${options.body}
        </main>
        <script nonce="${nonce}">
          ${new SafeHtml(SCRIPT)};
        </script>
      </body>
    </html>`;
  return { html: page.value, nonce };
}

/** Sends a page with its security headers: CSP (nonce'd inline style and script only), no framing by default. */
export async function sendPage(
  reply: FastifyReply,
  status: number,
  page: RenderedPage,
  frameAncestors: string[],
): Promise<void> {
  const ancestors = frameAncestors.length > 0 ? frameAncestors.join(' ') : "'none'";
  const csp = [
    "default-src 'none'",
    `style-src 'nonce-${page.nonce}'`,
    `script-src 'nonce-${page.nonce}'`,
    "img-src 'self' data:",
    "form-action 'self'",
    "base-uri 'none'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
  void reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', csp)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store');
  if (frameAncestors.length === 0) void reply.header('x-frame-options', 'DENY');
  await reply.send(page.html);
}
