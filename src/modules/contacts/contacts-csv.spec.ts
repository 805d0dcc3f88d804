import { contactCsvColumns, contactFromCsvRow } from './contacts-csv.js';

describe('contacts CSV layout', () => {
  it('maps a row to a bulk item, with typed and multi-number phone columns', () => {
    const cols = contactCsvColumns([
      'External Ref',
      'display_name',
      'Company',
      'responsibleUser',
      'phone',
      'phone:mobile',
      'Phone: Work',
      'kind',
    ]);
    expect(
      contactFromCsvRow(cols, [
        'crm-1',
        ' Ivan Petrov ',
        '',
        'agent-7',
        '8 903 111-22-33; 1001',
        '+7 916 123-45-67',
        '',
        'person',
      ]),
    ).toEqual({
      externalRef: 'crm-1',
      displayName: 'Ivan Petrov',
      responsibleUserId: 'agent-7',
      kind: 'person',
      phones: [
        { number: '8 903 111-22-33' },
        { number: '1001' },
        { number: '+7 916 123-45-67', type: 'mobile' },
      ],
    });
    expect(contactFromCsvRow(cols, ['crm-2'])).toEqual({ externalRef: 'crm-2' }); // short row
  });

  it('refuses unknown, duplicate and missing required columns', () => {
    expect(() => contactCsvColumns(['externalRef', 'displayName', 'emial'])).toThrow(
      /unknown columns: emial/,
    );
    expect(() => contactCsvColumns(['externalRef', 'name', 'displayName'])).toThrow(/appears twice/);
    expect(() => contactCsvColumns(['displayName', 'phone'])).toThrow(/no externalRef column/);
  });
});
