/** A real SMTP server inside the test (smtp-server), each message parsed with mailparser. */
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { Received } from './notify-support.ts';

export interface CapturedMail {
  envelopeTo: string[];
  mail: ParsedMail;
}

export async function startSmtpInbox(): Promise<{
  port: number;
  received: Received & { mails: CapturedMail[] };
  close(): Promise<void>;
}> {
  const mails: CapturedMail[] = [];
  const received = Object.assign(new Received(), { mails });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail });
          received.push(mail as never);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
