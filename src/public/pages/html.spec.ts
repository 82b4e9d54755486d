import { externalHref, html } from './html';

describe('html', () => {
  it('escapes interpolated text, in content and in attributes', () => {
    const name = `<script>alert("x")</script> & 'y'`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;">' +
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</p>',
    );
  });

  it('keeps nested templates and lists as they are, and drops empty values', () => {
    const items = ['a<', 'b'].map((item) => html`<li>${item}</li>`);
    expect(
      html`<ul>
        ${items}${null}${undefined}${false}
      </ul>`.value.replace(/>\s+</g, '><'),
    ).toBe('<ul><li>a&lt;</li><li>b</li></ul>');
  });

  it('links only to http(s) URLs', () => {
    expect(externalHref('https://meet.example.com/x')).toBe('https://meet.example.com/x');
    expect(externalHref('javascript:alert(1)')).toBeUndefined();
    expect(externalHref(null)).toBeUndefined();
  });
});
