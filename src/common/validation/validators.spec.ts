import {
  absoluteUrl,
  charactersWithin,
  choiceList,
  emailAddress,
  httpUrl,
  idList,
  instant,
  integerIn,
  localDate,
  moneyAmount,
  objectList,
  text,
  textList,
} from './validators';

describe('validation rules', () => {
  it('answers one message for an integer of the wrong type or out of range', () => {
    const duration = integerIn(5, 1440);
    expect(duration(30, {})).toBeNull();
    for (const value of ['30', 30.5, 4, 1441, null, undefined, Number.NaN, true]) {
      expect(duration(value, {})).toBe('must be an integer from 5 to 1440');
    }
  });

  it('takes amounts of whole cents from 0 to the documented maximum', () => {
    for (const value of [0, 1, 1.15, 19.99, 0.01, 1_000_000_000]) expect(moneyAmount(value)).toBeNull();
    for (const value of [
      5e-324,
      1e-25,
      0.001,
      1.005,
      -1,
      -0.01,
      1_000_000_000.01,
      Infinity,
      Number.NaN,
      '10',
    ]) {
      expect(moneyAmount(value)).toBe('must be an amount from 0 to 1000000000 with at most 2 decimals');
    }
  });

  it('refuses text with a lone surrogate but keeps pairs (emoji)', () => {
    expect(text(1, 10)('ok 😀', {})).toBeNull();
    expect(text(1, 10)('\ud800', {})).toMatch(/lone surrogate/);
    expect(text(1, 10)('x\udc00y', {})).toMatch(/lone surrogate/);
    expect(text(1, 10)('', {})).toBe('must be text of 1 to 10 characters');
    expect(text(0, 10)(42, {})).toBe('must be text of at most 10 characters');
    expect(emailAddress('\ud800@example.com')).toMatch(/lone surrogate/);
    expect(emailAddress('ada@example.com')).toBeNull();
  });

  it('refuses control characters in URLs', () => {
    expect(httpUrl('https://meet.example.com/a')).toBeNull();
    expect(absoluteUrl('https://hooks.example.com/a?b=c')).toBeNull();
    for (const url of [
      'https://a.example.com/x\r\nX-Evil: 1',
      'https://a.example.com/\t',
      'https://a.example.com/\u0000',
      'https://a.example.com/\u0085',
    ]) {
      expect(httpUrl(url)).toBe('must not contain control characters (CR, LF, tab, …)');
      expect(absoluteUrl(url)).toBe('must not contain control characters (CR, LF, tab, …)');
    }
    expect(absoluteUrl('not a url')).toBe(
      'must be an absolute URL such as https://hooks.example.com/booking',
    );
  });

  it('counts characters as code points: an emoji is one, a lone surrogate one', () => {
    const emoji = '\u{1F600}';
    expect(text(1, 3)(emoji.repeat(3), {})).toBeNull();
    expect(text(1, 3)(emoji.repeat(4), {})).toBe('must be text of 1 to 3 characters');
    expect(text(1, 3)(`ab${emoji}`, {})).toBeNull();
    expect(text(2, 3)(emoji, {})).toBe('must be text of 2 to 3 characters');
    expect(text(0, 3)('', {})).toBeNull();
    for (const [value, min, max, within] of [
      [`${emoji}${emoji}x`, 3, 3, true],
      ['\ud800\ud800', 2, 2, true],
      [`\ud800${emoji}`, 2, 2, true],
      ['x'.repeat(7), 0, 3, false],
      [emoji.repeat(2), 3, 5, false],
    ] as const) {
      expect([value, charactersWithin(value, min, max)]).toEqual([value, within]);
    }
  });

  it('refuses URL credentials that cannot go out as Basic authentication', () => {
    expect(absoluteUrl('http://us%C3%A9r:p%25w@127.0.0.1:4001/i')).toBeNull();
    expect(absoluteUrl('http://user@127.0.0.1:4001/i')).toBeNull();
    for (const url of ['http://u%FF:p@127.0.0.1:4001/i', 'http://u:p%E2%82@127.0.0.1:4001/i']) {
      expect(absoluteUrl(url)).toBe('must carry a user name and password whose %-escapes decode as UTF-8');
    }
    expect(absoluteUrl('http://us%3Aer:p@127.0.0.1:4001/i')).toBe(
      "must carry a user name without ':' (%3A): Basic authentication cannot send it",
    );
    expect(absoluteUrl('http://user:p%3Aw:x@127.0.0.1:4001/i')).toBeNull();
  });

  it('checks lists in one linear pass, their size first', () => {
    const ids = idList(100);
    expect(ids([1, 2, 3], {})).toBeNull();
    expect(ids([1, 2, 1], {})).toBe('must not name id 1 twice');
    expect(ids([1, '2'], {})).toBe('must be a list of at most 100 ids from 1 to 2147483647');
    const many = Array.from({ length: 100_000 }, (_, i) => i + 1);
    expect(idList(1_000_000)(many, {})).toBeNull();
    expect(ids(many, {})).toBe('must be a list of at most 100 ids from 1 to 2147483647');

    expect(objectList(2)([{}, {}], {})).toBeNull();
    expect(objectList(2)([{}, {}, {}], {})).toBe('must be a list of at most 2 objects');
    expect(objectList(2)([[]], {})).toBe('item 0 must be an object');
    expect(objectList(2)([{}, null], {})).toBe('item 1 must be an object');

    expect(choiceList(['a', 'b'], 1, 2)(['b'], {})).toBeNull();
    expect(choiceList(['a', 'b'], 1, 2)(['a', 'a'], {})).toBe(
      'must be a list of 1 to 2 distinct values from: a, b',
    );
    expect(textList(2, 3)(['x', 'yz'], {})).toBeNull();
    expect(textList(2, 3)(['x', 'long'], {})).toBe('item 1 must be text of 1 to 3 characters');
    expect(textList(3, 3)(['x', ' \u00a0'], {})).toBe('item 1 must not be blank');
    expect(textList(3, 3)(['x', 'y', 'x'], {})).toBe('item 2 is the same as item 0 once trimmed');
    expect(textList(3, 3)([' x', 'x\t'], {})).toBe('item 1 is the same as item 0 once trimmed');
    expect(textList(3, 3)(['x', 'X', 'x y'], {})).toBeNull();
  });

  it('refuses instants and dates that do not exist instead of rolling them over', () => {
    for (const value of [
      '2030-01-07T14:00:00Z',
      '2032-02-29T10:00:00+01:00',
      '2030-01-07T14:00Z',
      '2030-12-31T23:59:59.999-05:30',
    ]) {
      expect(instant(value)).toBeNull();
    }
    expect(instant('2031-02-29T10:00:00Z')).toBe('2031-02-29 is not a calendar date');
    expect(instant('2030-04-31T10:00:00Z')).toBe('2030-04-31 is not a calendar date');
    expect(instant('2030-13-01T10:00:00Z')).toBe('2030-13-01 is not a calendar date');
    expect(instant('9999-12-31T23:59:59-23:59')).toBe('must be before the year 10000 in UTC');
    expect(instant('9999-12-31T23:59:59Z')).toBeNull();
    for (const value of [
      '2030-01-07T24:00:00Z',
      '2030-01-07T10:60:00Z',
      '2030-01-07T10:00:60Z',
      '2030-01-07T10:00:00+24:00',
      '2030-01-07T10:00:00',
      20300107,
    ]) {
      expect(instant(value)).toBe(
        'must be an ISO 8601 date-time with Z or an offset, e.g. 2030-01-07T14:00:00Z',
      );
    }
    expect(localDate('2032-02-29')).toBeNull();
    expect(localDate('2031-02-29')).toBe('2031-02-29 is not a calendar date');
    expect(localDate('2031-00-10')).toBe('2031-00-10 is not a calendar date');
    expect(localDate('2031-1-10')).toBe('must be a date YYYY-MM-DD');
  });
});
