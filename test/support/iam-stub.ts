/**
 * A loopback IAM endpoint that answers GetUser, or Throttling while told to: enough to see
 * how the engine treats one provider's throttling (the real SDK talks to it over HTTP).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IamStub {
  endpoint: string;
  throttle: boolean;
  /** Times (ms) of the requests received. */
  requests: number[];
  close(): Promise<void>;
}

const NS = 'https://iam.amazonaws.com/doc/2010-05-08/';

export async function startIamStub(): Promise<IamStub> {
  let seq = 0;
  const stub: IamStub = {
    endpoint: '',
    throttle: false,
    requests: [],
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seq += 1;
      stub.requests.push(Date.now());
      const headers = { 'content-type': 'text/xml', 'x-amzn-requestid': `stub-${seq}` };
      if (stub.throttle) {
        res.writeHead(400, headers);
        res.end(
          `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>stub-${seq}</RequestId></ErrorResponse>`,
        );
        return;
      }
      res.writeHead(200, headers);
      res.end(
        `<GetUserResponse xmlns="${NS}"><GetUserResult><User><Path>/</Path><UserName>stub</UserName><UserId>AIDASTUB000000000001</UserId><Arn>arn:aws:iam::123456789012:user/stub</Arn><CreateDate>2020-01-01T00:00:00Z</CreateDate></User></GetUserResult><ResponseMetadata><RequestId>stub-${seq}</RequestId></ResponseMetadata></GetUserResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return stub;
}
