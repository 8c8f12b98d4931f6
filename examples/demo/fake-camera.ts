/**
 * A fake IP camera for the demo: an RTSP endpoint on loopback that answers
 * OPTIONS and DESCRIBE like a real camera (DESCRIBE returns a minimal H.264
 * SDP), so crashproof's RTSP probe and the demo web app have something real
 * to talk to. No video is streamed.
 */
import net from 'node:net';

const host = process.env.DEMO_CAMERA_HOST ?? '127.0.0.1';
const port = Number(process.env.DEMO_CAMERA_PORT ?? '8554');

const sdp = [
  'v=0',
  'o=- 0 0 IN IP4 127.0.0.1',
  's=crashproof demo camera',
  't=0 0',
  'm=video 0 RTP/AVP 96',
  'a=rtpmap:96 H264/90000',
  'a=control:track1',
  '',
].join('\r\n');

function reply(
  socket: net.Socket,
  cseq: string,
  status: string,
  headers: Record<string, string>,
  body = '',
): void {
  const lines = [`RTSP/1.0 ${status}`, `CSeq: ${cseq}`, 'Server: crashproof-demo-camera'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== '') lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

const server = net.createServer((socket) => {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    if (buffered.length > 16 * 1024) {
      socket.destroy();
      return;
    }
    let end = buffered.indexOf('\r\n\r\n');
    while (end >= 0) {
      const request = buffered.slice(0, end);
      buffered = buffered.slice(end + 4);
      const [requestLine = ''] = request.split('\r\n');
      const method = requestLine.split(' ')[0] ?? '';
      const cseq = /^CSeq:\s*(\S+)/im.exec(request)?.[1] ?? '0';
      if (method === 'OPTIONS') reply(socket, cseq, '200 OK', { Public: 'OPTIONS, DESCRIBE' });
      else if (method === 'DESCRIBE')
        reply(socket, cseq, '200 OK', { 'Content-Type': 'application/sdp' }, sdp);
      else reply(socket, cseq, '405 Method Not Allowed', {});
      end = buffered.indexOf('\r\n\r\n');
    }
  });
});

server.listen(port, host, () =>
  console.log(`demo camera answering RTSP on rtsp://${host}:${port}/stream`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
