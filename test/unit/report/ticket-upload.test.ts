import { RuleViolation } from '../../../domain/rules';
import { parseTicketUpload } from '../../../report/ticket-upload';

// The CSV side of an audit upload, as the operator who uploads an export sees it.

describe('a CSV ticket upload', () => {
  it('when a ticket text is quoted with commas, quotes and line breaks, then the text arrives whole and the other columns are kept', () => {
    // Arrange
    const csv = '\ufeffTicket ID,Created At,Body,channel\r\nT-1,2026-01-02,"Order 7, still ""pending"",\r\nplease help",email\r\n';

    // Act
    const upload = parseTicketUpload('csv', csv);

    // Assert
    expect(upload.tickets).toEqual([
      { ticketId: 'T-1', date: '2026-01-02', text: 'Order 7, still "pending",\r\nplease help', extra: { channel: 'email' } },
    ]);
    expect(upload.columns).toEqual({ id: 'Ticket ID', date: 'Created At', text: 'Body' });
  });

  it('when a quoted field never closes, then the upload is refused as malformed, naming the line', () => {
    // Act
    const attempt = (): unknown => parseTicketUpload('csv', 'id,text\n1,fine\n2,"never closed\n3,more\n');

    // Assert
    expect(attempt).toThrow(RuleViolation);
    expect(attempt).toThrow(expect.objectContaining({ code: 'malformed_upload', message: expect.stringMatching('the CSV is malformed: a quoted field opened on line 3 is never closed') }));
  });
});
