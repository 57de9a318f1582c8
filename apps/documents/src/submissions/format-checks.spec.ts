import { DocumentFormat } from '@dmp/domain';
import { checkFormat, checkXml } from './format-checks';

const cda = '<?xml version="1.0" encoding="UTF-8"?>\n<!-- a report -->\n<ClinicalDocument xmlns="urn:hl7-org:v3" a=\'1\'><title>Lettre &amp; suite</title><text><![CDATA[<raw>]]></text><br/></ClinicalDocument>\n';

describe(checkFormat.name, () => {
  it('accepts a PDF that starts with %PDF-', () => {
    expect(checkFormat(DocumentFormat.PDF, Buffer.from('%PDF-1.7\n...'))).toBeUndefined();
  });

  it('refuses a PDF without the magic number', () => {
    expect(checkFormat(DocumentFormat.PDF, Buffer.from('hello'))).toMatch(/not a PDF/);
  });

  it('accepts UTF-8 text and refuses invalid byte sequences', () => {
    expect(checkFormat(DocumentFormat.TEXT, Buffer.from('Compte rendu: fièvre'))).toBeUndefined();
    expect(checkFormat(DocumentFormat.TEXT, Buffer.from([0x66, 0xff, 0xfe]))).toMatch(/UTF-8/);
  });

  it('accepts a well-formed CDA document', () => {
    expect(checkFormat(DocumentFormat.CDA_R2, Buffer.from(cda))).toBeUndefined();
  });

  it('accepts a prefixed ClinicalDocument root', () => {
    expect(checkFormat(DocumentFormat.CDA_R2, Buffer.from('<hl7:ClinicalDocument xmlns:hl7="urn:hl7-org:v3"/>'))).toBeUndefined();
  });

  it('refuses well-formed XML whose root is not ClinicalDocument', () => {
    expect(checkFormat(DocumentFormat.CDA_R2, Buffer.from('<Report/>'))).toMatch(/root element is Report/);
  });

  it('refuses truncated XML', () => {
    expect(checkFormat(DocumentFormat.CDA_R2, Buffer.from(cda.slice(0, 120)))).toMatch(/not well-formed/);
  });
});

describe(checkXml.name, () => {
  it.each([
    ['<a><b></a></b>', /does not match/],
    ['<a></a><b/>', /second root/],
    ['<a x="1" x="2"/>', /repeated/],
    ['<a>fish & chips</a>', /entity reference/],
    ['<a x=1/>', /malformed start tag/],
    ['text<a/>', /outside the root/],
    ['', /no root element/],
    ['<a><!-- open </a>', /unterminated comment/],
  ])('refuses %s', (xml, reason) => {
    expect(checkXml(xml)).toMatch(reason);
  });
});
