import { decodeText, importEncodingOf, looksLikeText } from './text-encoding';

describe('text encodings', () => {
  it('decodes Windows-1252 bytes 0x80–0x9F as the letters they are (Node takes Latin-1 one-shot)', () => {
    expect(decodeText('windows-1252', Buffer.from([0x80, 0x8a, 0x9c, 0x9e, 0xe4]))).toBe(
      '€ŠœžĂ¤'.slice(0, 4) + 'ä',
    );
  });

  it('knows the encodings an upload may name, by their usual names', () => {
    expect(importEncodingOf(' UTF8 ')).toBe('utf-8');
    expect(importEncodingOf('CP1250')).toBe('windows-1250');
    expect(importEncodingOf('latin9')).toBe('iso-8859-15');
    expect(importEncodingOf('shift_jis')).toBeNull();
  });

  it('tells text from bytes that are not', () => {
    expect(looksLikeText(Buffer.from('Nimi;Puhelin\r\nTesti\t1\f\x1a'))).toBe(true);
    expect(looksLikeText(Buffer.from([0x41, 0x00, 0x42]))).toBe(false);
  });
});
