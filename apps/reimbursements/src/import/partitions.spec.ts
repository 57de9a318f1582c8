import { monthsOfQuarter, partitionName, quarterOf, quarterOfPartition } from './partitions';

describe('partitions', () => {
  it.each([
    [202601, 202601],
    [202603, 202601],
    [202604, 202604],
    [202609, 202607],
    [202610, 202610],
    [202612, 202610],
  ])('puts month %i in the quarter starting %i', (month, quarter) => {
    expect(quarterOf(month)).toBe(quarter);
  });

  it('names a partition after its year and quarter, and reads the name back', () => {
    expect(partitionName(202611)).toBe('reimbursement_lines_2026q4');
    expect(partitionName(202501)).toBe('reimbursement_lines_2025q1');
    expect(quarterOfPartition('reimbursement_lines_2026q4')).toBe(202610);
    expect(quarterOfPartition('reimbursement_lines_2025q2')).toBe(202504);
  });

  it('ignores tables that are not quarterly partitions', () => {
    expect(quarterOfPartition('reimbursement_lines_m202611')).toBeNull();
    expect(quarterOfPartition('reimbursement_lines_2026q5')).toBeNull();
  });

  it('lists the three months of a quarter across a year end', () => {
    expect(monthsOfQuarter(202610)).toEqual([202610, 202611, 202612]);
    expect(monthsOfQuarter(quarterOf(202512))).toEqual([202510, 202511, 202512]);
  });
});
