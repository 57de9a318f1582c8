import { generateFiness, generateIns, generateRpps, seededRandom } from '@dmp/domain';
import { careWindow } from './care-window';
import { LINE_ACCEPTED, LINE_OUT_OF_WINDOW, LINE_REJECTED, LineValidator } from './line-validator';

const random = seededRandom(7);
const ins = generateIns(random);
const rpps = generateRpps(random);
const finess = generateFiness(random);
const now = new Date('2026-11-23T10:00:00Z');

function line(overrides: Partial<Record<string, string>> = {}): string {
  const f = {
    lineId: '2026100000000042',
    ins,
    careDate: '2026-10-12',
    system: 'NGAP',
    code: 'G',
    label: 'Consultation',
    quantity: '1',
    prescriber: '',
    performer: rpps,
    charged: '3000',
    reimbursed: '2100',
    ...overrides,
  };
  return [
    f.lineId,
    f.ins,
    f.careDate,
    f.system,
    f.code,
    f.label,
    f.quantity,
    f.prescriber,
    f.performer,
    f.charged,
    f.reimbursed,
  ].join(',');
}

function check(sut: LineValidator, text: string): number {
  const buf = Buffer.from(text, 'utf8');
  return sut.check(buf, 0, buf.length);
}

describe(LineValidator.name, () => {
  let sut: LineValidator;

  beforeEach(() => {
    sut = new LineValidator(careWindow(now));
  });

  it('accepts a valid line and reports its id, month and patient', () => {
    expect(check(sut, line())).toBe(LINE_ACCEPTED);
    expect(sut.lineId).toBe(2026100000000042);
    expect(sut.month).toBe(202610);
    expect(sut.ins).toBe(ins);
  });

  it('accepts every coding system with its code shape, a FINESS performer and a quoted label', () => {
    expect(check(sut, line({ system: 'CCAM', code: 'YYYY010' }))).toBe(LINE_ACCEPTED);
    expect(
      check(
        sut,
        line({ system: 'CIP13', code: '3400930000014', performer: finess, prescriber: rpps }),
      ),
    ).toBe(LINE_ACCEPTED);
    expect(check(sut, line({ system: 'NABM', code: '1104' }))).toBe(LINE_ACCEPTED);
    expect(check(sut, line({ system: 'LPP', code: '1136386' }))).toBe(LINE_ACCEPTED);
    expect(check(sut, line({ label: '"Acte ""AMI"", domicile"' }))).toBe(LINE_ACCEPTED);
  });

  it.each([
    [{ ins: `${ins.slice(0, 13)}${ins.slice(13) === '00' ? '01' : '00'}` }, /^ins: INS key/],
    [{ lineId: '20261000000042' }, /^line_id: must be 16 digits/],
    [{ lineId: '2026090000000042' }, /^line_id: must start with the care month 202610/],
    [{ careDate: '2026-02-30', lineId: '2026020000000042' }, /^care_date: day 30 does not exist/],
    [{ careDate: '2026-11-24', lineId: '2026110000000042' }, /^care_date: is in the future/],
    [{ careDate: '12/10/2026' }, /^care_date: must be written YYYY-MM-DD/],
    [{ system: 'ATC' }, /^coding_system: must be one of/],
    [{ system: 'CCAM', code: 'YYY010' }, /^code: a CCAM code/],
    [{ system: 'CIP13', code: '3400930000015' }, /^code: the CIP13 check digit should be 4/],
    [{ system: 'NABM', code: '11a4' }, /^code: a NABM code/],
    [{ label: '' }, /^label: is empty/],
    [{ label: 'bad\u0001label' }, /^label: contains a control character/],
    [{ label: 'a"b' }, /^label: a quote inside an unquoted value/],
    [{ label: '"unclosed' }, /^label: the quoted value is not closed/],
    [{ quantity: '0' }, /^quantity:/],
    [{ performer: '' }, /^performer: is required/],
    [{ performer: '12345' }, /^performer: must be an RPPS number/],
    [
      { prescriber: `${rpps.slice(0, 10)}${(Number(rpps[10]) + 1) % 10}` },
      /^prescriber: RPPS check digit/,
    ],
    [{ charged: '-5' }, /^charged_cents:/],
    [{ reimbursed: '3001' }, /^reimbursed_cents: is more than charged_cents/],
  ])('rejects %j with a reason naming the column', (overrides, reason) => {
    expect(check(sut, line(overrides))).toBe(LINE_REJECTED);
    expect(sut.reason).toMatch(reason);
  });

  it('rejects lines with too few or too many fields', () => {
    expect(check(sut, 'a,b,c')).toBe(LINE_REJECTED);
    expect(sut.reason).toBe('the line has 3 fields, expected 11');
    expect(check(sut, `${line()},extra`)).toBe(LINE_REJECTED);
    expect(sut.reason).toBe('the line has more than 11 fields');
    expect(check(sut, `${line()},`)).toBe(LINE_REJECTED);
  });

  it('rejects a label that is not UTF-8', () => {
    const buf = Buffer.concat([
      Buffer.from(line({ label: 'X' }).split(',X,')[0] + ','),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(',' + line().split(',').slice(6).join(',')),
    ]);
    expect(sut.check(buf, 0, buf.length)).toBe(LINE_REJECTED);
    expect(sut.reason).toBe('label: is not valid UTF-8');
  });

  it('accepts well-formed UTF-8 of two to four bytes and rejects overlong, surrogate and truncated forms', () => {
    const withLabel = (label: Buffer) =>
      Buffer.concat([
        Buffer.from(line({ label: 'X' }).split(',X,')[0] + ','),
        label,
        Buffer.from(',' + line().split(',').slice(6).join(',')),
      ]);
    for (const good of ['Hémogramme', 'Test € 10', 'Emoji 😀 ok']) {
      const buf = withLabel(Buffer.from(good, 'utf8'));
      expect(sut.check(buf, 0, buf.length)).toBe(LINE_ACCEPTED);
    }
    for (const bad of [
      [0x41, 0xc0, 0xaf], // overlong "/"
      [0x41, 0xe0, 0x80, 0xaf], // overlong, three bytes
      [0x41, 0xed, 0xa0, 0x80], // a UTF-16 surrogate
      [0x41, 0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0x41, 0xe2, 0x82], // truncated at the end of the field
    ]) {
      const buf = withLabel(Buffer.from(bad));
      expect(sut.check(buf, 0, buf.length)).toBe(LINE_REJECTED);
      expect(sut.reason).toBe('label: is not valid UTF-8');
    }
  });

  it('checks RPPS and FINESS keys on every line: a wrong key, a 00 department, Corsica', () => {
    const wrongKey = `${rpps.slice(0, 10)}${(Number(rpps[10]) + 1) % 10}`;
    expect(check(sut, line({ performer: wrongKey }))).toBe(LINE_REJECTED);
    expect(sut.reason).toMatch(/^performer: RPPS check digit/);
    expect(check(sut, line({ prescriber: '001234567' }))).toBe(LINE_REJECTED);
    expect(sut.reason).toBe('prescriber: FINESS positions 1-2 (department) cannot be 00');
    expect(check(sut, line({ performer: '2A0000001' }))).toBe(LINE_ACCEPTED);
    expect(check(sut, line({ performer: finess, prescriber: rpps }))).toBe(LINE_ACCEPTED);
  });

  it('classes lines before the 24-month window as out of window, and keeps the window edge', () => {
    expect(check(sut, line({ careDate: '2024-10-31', lineId: '2024100000000001' }))).toBe(
      LINE_OUT_OF_WINDOW,
    );
    expect(check(sut, line({ careDate: '2024-11-01', lineId: '2024110000000001' }))).toBe(
      LINE_ACCEPTED,
    );
  });

  it('gives the same answer for a repeated patient as for the first occurrence (cached identifiers)', () => {
    const bad = `${ins.slice(0, 13)}${ins.slice(13) === '00' ? '01' : '00'}`;
    expect(check(sut, line({ ins: bad }))).toBe(LINE_REJECTED);
    expect(check(sut, line({ ins: bad }))).toBe(LINE_REJECTED);
    expect(check(sut, line())).toBe(LINE_ACCEPTED);
    expect(check(sut, line())).toBe(LINE_ACCEPTED);
  });

  it('rejects a quote or a comma inside the fixed-width first fields, and accepts them quoted', () => {
    expect(check(sut, line({ lineId: '20261000000"0042' }))).toBe(LINE_REJECTED);
    expect(sut.reason).toMatch(/^line_id: /);
    expect(check(sut, line({ ins: `${ins.slice(0, 7)},${ins.slice(8)}` }))).toBe(LINE_REJECTED);
    expect(check(sut, line({ ins: `${ins.slice(0, 7)}"${ins.slice(8)}` }))).toBe(LINE_REJECTED);
    expect(sut.reason).toMatch(/^ins: /);
    expect(check(sut, line({ careDate: '2026-10,12' }))).toBe(LINE_REJECTED);
    expect(check(sut, line({ lineId: '"2026100000000042"', ins: `"${ins}"` }))).toBe(LINE_ACCEPTED);
    expect(check(sut, line({ careDate: '"2026-10-12"' }))).toBe(LINE_ACCEPTED);
  });

  it('checks the CIP13 prefix byte by byte', () => {
    expect(check(sut, line({ system: 'CIP13', code: '3400930000014' }))).toBe(LINE_ACCEPTED);
    expect(check(sut, line({ system: 'CIP13', code: '3500930000013' }))).toBe(LINE_REJECTED);
    expect(sut.reason).toBe('code: a CIP13 code starts with 34009');
  });
});
