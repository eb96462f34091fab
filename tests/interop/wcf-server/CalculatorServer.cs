// CalculatorServer.cs: WCF's ICalculator and ICalculatorDuplex samples served over [MS-SWSB]
// (SOAP over WebSocket) by Mono, for the soapws Rust clients to call.
//
// Mono can host no WebSocket WCF service (NetHttpBinding throws, HttpListener has no
// WebSockets), so this is a hand-written server: TcpListener, the HTTP upgrade checked and
// answered here, then WebSocket.CreateFromStream(isServer: true). Everything about the messages
// is Mono's real WCF code: TextMessageEncoder / XmlBinaryWriter+Reader through SoapWsCodec
// (../wcf-client/SoapWsTransport.cs, compiled together with this file), Message.CreateMessage,
// MessageHeaders, DataContractSerializer and MessageFault.
//
// Usage: mono CalculatorServer.exe
//   listens on 127.0.0.1:<ephemeral>, prints "PORT <n>" and flushes, then serves until stdin
//   closes or the process is killed.
//
// Endpoints (a WCF endpoint has one encoding; these follow the handshake rules of
// .NET's WebSocket transport for each):
//   /calculator         ICalculator, text or binary session (whichever soap-content-type names)
//   /calculator-binary  ICalculator, binary session only (a text client gets the 400)
//   /calculator-duplex  ICalculatorDuplex, one-way calls answered by Result/Equation callbacks
//   /calculator-mono-text  ICalculator, text only, replies exactly as Mono's TextMessageEncoder
//                       writes them: UTF-8 BOM and XML declaration kept (.NET writes neither;
//                       a reader must accept both)
// Anything else in soap-content-type: HTTP 400 with the server's soap-content-type (binary
// session) and microsoft-binary-transfer-mode, as WCF answers an encoder mismatch.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Runtime.Serialization;
using System.Security.Cryptography;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using System.Xml;

namespace SoapWsServer
{
    static class Names
    {
        public const string Tns = "http://Microsoft.ServiceModel.Samples";
        public const string DataNs = "http://schemas.datacontract.org/2004/07/Microsoft.ServiceModel.Samples";
        public const string Calculator = Tns + "/ICalculator/";
        public const string Duplex = Tns + "/ICalculatorDuplex/";
        public const string DivideFaultAction = Calculator + "DivideMathFaultFault";
    }

    /// <summary>The operands of Add/Subtract/Multiply/Divide (root name given per operation).</summary>
    [DataContract(Namespace = Names.Tns)]
    public sealed class Operands
    {
        [DataMember(Order = 1, IsRequired = false)] public double n1;
        [DataMember(Order = 2, IsRequired = false)] public double n2;
    }

    [DataContract(Name = "AddResponse", Namespace = Names.Tns)]
    public sealed class AddResponse { [DataMember] public double AddResult; }

    [DataContract(Name = "SubtractResponse", Namespace = Names.Tns)]
    public sealed class SubtractResponse { [DataMember] public double SubtractResult; }

    [DataContract(Name = "MultiplyResponse", Namespace = Names.Tns)]
    public sealed class MultiplyResponse { [DataMember] public double MultiplyResult; }

    [DataContract(Name = "DivideResponse", Namespace = Names.Tns)]
    public sealed class DivideResponse { [DataMember] public double DivideResult; }

    /// <summary>The declared fault detail of Divide.</summary>
    [DataContract(Name = "MathFault", Namespace = Names.DataNs)]
    public sealed class MathFault
    {
        [DataMember(Order = 1)] public string Operation;
        [DataMember(Order = 2)] public string ProblemType;
    }

    /// <summary>The operand of AddTo/SubtractFrom/MultiplyBy/DivideBy.</summary>
    [DataContract(Namespace = Names.Tns)]
    public sealed class Operand { [DataMember(IsRequired = false)] public double n; }

    [DataContract(Name = "Clear", Namespace = Names.Tns)]
    public sealed class ClearRequest { }

    [DataContract(Name = "Result", Namespace = Names.Tns)]
    public sealed class ResultCallback { [DataMember] public double result; }

    [DataContract(Name = "Equation", Namespace = Names.Tns)]
    public sealed class EquationCallback { [DataMember] public string eqn; }

    static class Program
    {
        static int connections;

        static int Main(string[] args)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            Console.Out.WriteLine("PORT " + port);
            Console.Out.Flush();
            // The parent closing our stdin (or dying) ends the server.
            new Thread(() =>
            {
                try { while (Console.In.Read() >= 0) { } } catch (Exception) { }
                Environment.Exit(0);
            }) { IsBackground = true }.Start();
            while (true)
            {
                TcpClient tcp = listener.AcceptTcpClient();
                tcp.NoDelay = true;
                int id = Interlocked.Increment(ref connections);
                Task.Run(() => Serve(tcp, id));
            }
        }

        static void Log(int id, string format, params object[] args)
        {
            Console.Error.WriteLine("[conn " + id + "] " + string.Format(CultureInfo.InvariantCulture, format, args));
        }

        // ---- the HTTP upgrade

        static async Task Serve(TcpClient tcp, int id)
        {
            using (tcp)
            {
                try
                {
                    NetworkStream stream = tcp.GetStream();
                    string requestLine;
                    Dictionary<string, string> headers;
                    if (!ReadRequest(stream, out requestLine, out headers))
                        return;
                    string path;
                    bool binary;
                    if (!Upgrade(stream, id, requestLine, headers, out path, out binary))
                        return;
                    WebSocket socket = WebSocket.CreateFromStream(stream, true, "soap", TimeSpan.FromSeconds(30));
                    await new Connection(id, socket, path, new SoapWs.SoapWsCodec(binary)).Run();
                }
                catch (Exception e)
                {
                    Log(id, "failed: {0}", e);
                }
            }
        }

        /// <summary>Reads the request head byte by byte (nothing of the WebSocket stream is consumed).</summary>
        static bool ReadRequest(Stream stream, out string requestLine, out Dictionary<string, string> headers)
        {
            requestLine = null;
            headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var head = new MemoryStream();
            int b, n = 0;
            while ((b = stream.ReadByte()) >= 0)
            {
                head.WriteByte((byte)b);
                n = (b == '\r' || b == '\n') ? n + 1 : 0;
                if (n == 4)
                    break;
                if (head.Length > 64 * 1024)
                    return false;
            }
            if (b < 0)
                return false;
            string[] lines = Encoding.ASCII.GetString(head.ToArray()).Split(new[] { "\r\n" }, StringSplitOptions.None);
            requestLine = lines[0];
            for (int i = 1; i < lines.Length; i++)
            {
                int colon = lines[i].IndexOf(':');
                if (colon <= 0)
                    continue;
                string name = lines[i].Substring(0, colon).Trim();
                string value = lines[i].Substring(colon + 1).Trim();
                string before;
                // Repeated headers combine into one comma-separated value, as HTTP (and HttpListener) do.
                headers[name] = headers.TryGetValue(name, out before) ? before + ", " + value : value;
            }
            return true;
        }

        static string Header(Dictionary<string, string> headers, string name)
        {
            string v;
            return headers.TryGetValue(name, out v) ? v : null;
        }

        static bool HasToken(string value, string token)
        {
            if (value == null)
                return false;
            foreach (string t in value.Split(','))
                if (t.Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
                    return true;
            return false;
        }

        /// <summary>WCF's MessageEncoder.IsContentTypeSupported, reduced: the encoder's content type, parameters allowed after ';'.</summary>
        static bool Supports(string value, string contentType)
        {
            if (value == null)
                return false;
            value = value.Trim();
            if (value.Equals(contentType, StringComparison.OrdinalIgnoreCase))
                return true;
            return value.Length > contentType.Length
                && value.StartsWith(contentType, StringComparison.OrdinalIgnoreCase)
                && (value[contentType.Length] == ';' || value[contentType.Length] == ' ');
        }

        static bool Upgrade(Stream stream, int id, string requestLine, Dictionary<string, string> headers,
            out string path, out bool binary)
        {
            path = null;
            binary = false;
            string[] parts = requestLine.Split(' ');
            if (parts.Length != 3 || parts[0] != "GET")
                return Refuse(stream, id, "405 Method Not Allowed", null, requestLine);
            path = parts[1];
            int query = path.IndexOf('?');
            if (query >= 0)
                path = path.Substring(0, query);
            if (path != "/calculator" && path != "/calculator-binary" && path != "/calculator-duplex"
                && path != "/calculator-mono-text")
                return Refuse(stream, id, "404 Not Found", null, "no endpoint at " + path);
            string key = Header(headers, "Sec-WebSocket-Key");
            if (!HasToken(Header(headers, "Upgrade"), "websocket") || !HasToken(Header(headers, "Connection"), "Upgrade")
                || Header(headers, "Sec-WebSocket-Version") != "13" || string.IsNullOrEmpty(key))
                return Refuse(stream, id, "400 Bad Request", null, "not a WebSocket upgrade");
            if (!HasToken(Header(headers, "Sec-WebSocket-Protocol"), "soap"))
                return Refuse(stream, id, "400 Bad Request", null, "sub-protocol 'soap' not requested");
            string contentType = Header(headers, "soap-content-type");
            bool textOk = path != "/calculator-binary";
            bool binaryOk = path != "/calculator-mono-text";
            if (binaryOk && Supports(contentType, SoapWs.SoapWsCodec.SessionContentType))
                binary = true;
            else if (!(textOk && Supports(contentType, SoapWs.SoapWsCodec.TextContentType)))
                return Refuse(stream, id, "400 Bad Request",
                    binaryOk
                        ? "soap-content-type: " + SoapWs.SoapWsCodec.SessionContentType + "\r\nmicrosoft-binary-transfer-mode: Buffered\r\n"
                        : "soap-content-type: " + SoapWs.SoapWsCodec.TextContentType + "\r\n",
                    "content type '" + contentType + "' not accepted at " + path);
            string accept;
            using (SHA1 sha1 = SHA1.Create())
                accept = Convert.ToBase64String(sha1.ComputeHash(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            Write(stream, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + accept + "\r\nSec-WebSocket-Protocol: soap\r\n\r\n");
            Log(id, "accepted {0} as {1}", path, binary ? "msbinsession1" : "text");
            return true;
        }

        static bool Refuse(Stream stream, int id, string status, string extraHeaders, string why)
        {
            Log(id, "refused with {0}: {1}", status, why);
            Write(stream, "HTTP/1.1 " + status + "\r\n" + (extraHeaders ?? "") + "Content-Length: 0\r\nConnection: close\r\n\r\n");
            return false;
        }

        static void Write(Stream stream, string text)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(text);
            stream.Write(bytes, 0, bytes.Length);
            stream.Flush();
        }
    }

    /// <summary>One WebSocket connection: a receive loop, replies sent under one lock.</summary>
    sealed class Connection
    {
        static readonly MessageVersion Version = MessageVersion.Soap12WSAddressing10;

        readonly int id;
        readonly WebSocket socket;
        readonly string path;
        readonly SoapWs.SoapWsCodec codec;
        readonly SemaphoreSlim sendLock = new SemaphoreSlim(1, 1);
        readonly List<Task> pending = new List<Task>();
        // /calculator-mono-text: Mono's text encoder output unchanged (BOM + XML declaration).
        readonly MessageEncoder monoText;

        // The duplex calculator's session state (one per connection, as WCF's PerSession instancing).
        double result;
        string equation = "0";

        public Connection(int id, WebSocket socket, string path, SoapWs.SoapWsCodec codec)
        {
            this.id = id;
            this.socket = socket;
            this.path = path;
            this.codec = codec;
            if (path == "/calculator-mono-text")
                monoText = new TextMessageEncodingBindingElement(Version, Encoding.UTF8).CreateMessageEncoderFactory().Encoder;
        }

        void Log(string format, params object[] args)
        {
            Console.Error.WriteLine("[conn " + id + "] " + string.Format(CultureInfo.InvariantCulture, format, args));
        }

        public async Task Run()
        {
            var buffer = new byte[64 * 1024];
            int messages = 0;
            while (true)
            {
                int count = 0;
                WebSocketReceiveResult r;
                do
                {
                    if (count == buffer.Length)
                        Array.Resize(ref buffer, buffer.Length * 2);
                    r = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, count, buffer.Length - count), CancellationToken.None);
                    count += r.Count;
                } while (!r.EndOfMessage && r.MessageType != WebSocketMessageType.Close);

                if (r.MessageType == WebSocketMessageType.Close)
                {
                    Log("client closed ({0} {1}) after {2} message(s)", (int?)r.CloseStatus, r.CloseStatusDescription, messages);
                    Task[] waiting;
                    lock (pending)
                        waiting = pending.ToArray();
                    Task.WaitAll(waiting, TimeSpan.FromSeconds(5));
                    await sendLock.WaitAsync();
                    try
                    {
                        if (socket.State == WebSocketState.CloseReceived)
                            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    }
                    finally
                    {
                        sendLock.Release();
                    }
                    return;
                }
                if (r.MessageType != WebSocketMessageType.Binary)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.InvalidMessageType, "SOAP messages are binary WebSocket messages", CancellationToken.None);
                    return;
                }
                messages++;
                // Decoded here, in order: the session's string table grows message by message.
                Message request = codec.Decode(buffer, count);
                if (path == "/calculator-duplex")
                {
                    // One-way calls of one session run in order (WCF's default concurrency).
                    await Duplex(request);
                    continue;
                }
                // Requests run concurrently; replies go out as they finish (clients match RelatesTo).
                Task t = Task.Run(() => Reply(request));
                lock (pending)
                {
                    pending.RemoveAll(p => p.IsCompleted);
                    pending.Add(t);
                }
            }
        }

        async Task Send(Message message)
        {
            await sendLock.WaitAsync();
            try
            {
                // Encode and send under one lock: the string table is ordered.
                byte[] bytes;
                if (monoText != null)
                {
                    var raw = new MemoryStream();
                    monoText.WriteMessage(message, raw);
                    bytes = raw.ToArray();
                    int head = Math.Min(bytes.Length, 24);
                    Log("mono-text send: {0} B, begins {1} | {2}", bytes.Length,
                        BitConverter.ToString(bytes, 0, Math.Min(head, 3)), Encoding.UTF8.GetString(bytes, 3, head - 3));
                }
                else
                    bytes = codec.Encode(message);
                await socket.SendAsync(new ArraySegment<byte>(bytes), WebSocketMessageType.Binary, true, CancellationToken.None);
            }
            finally
            {
                sendLock.Release();
            }
        }

        // ---- ICalculator

        async Task Reply(Message request)
        {
            try
            {
                Message reply = Dispatch(request);
                reply.Headers.RelatesTo = request.Headers.MessageId;
                await Send(reply);
            }
            catch (Exception e)
            {
                Log("reply failed: {0}", e);
            }
        }

        Message Dispatch(Message request)
        {
            string action = request.Headers.Action ?? "";
            if (!action.StartsWith(Names.Calculator, StringComparison.Ordinal))
                return UnknownAction(action);
            string op = action.Substring(Names.Calculator.Length);
            if (op != "Add" && op != "Subtract" && op != "Multiply" && op != "Divide")
                return UnknownAction(action);
            Operands x = request.GetBody<Operands>(new DataContractSerializer(typeof(Operands), op, Names.Tns));
            object body;
            switch (op)
            {
                case "Add":
                    body = new AddResponse { AddResult = x.n1 + x.n2 };
                    break;
                case "Subtract":
                    body = new SubtractResponse { SubtractResult = x.n1 - x.n2 };
                    break;
                case "Multiply":
                    body = new MultiplyResponse { MultiplyResult = x.n1 * x.n2 };
                    break;
                default:
                    if (x.n2 == 0)
                    {
                        var detail = new MathFault { Operation = "Divide", ProblemType = "Division by zero" };
                        MessageFault fault = MessageFault.CreateFault(
                            FaultCode.CreateSenderFaultCode((FaultCode)null),
                            new FaultReason(new FaultReasonText("The creator of this fault did not specify a Reason.", "en-US")),
                            detail, new DataContractSerializer(typeof(MathFault)));
                        return Message.CreateMessage(Version, fault, Names.DivideFaultAction);
                    }
                    body = new DivideResponse { DivideResult = x.n1 / x.n2 };
                    break;
            }
            return Message.CreateMessage(Version, action + "Response", body, new DataContractSerializer(body.GetType()));
        }

        /// <summary>WCF's answer to an action no operation handles: a Sender/ActionNotSupported fault.</summary>
        static Message UnknownAction(string action)
        {
            MessageFault fault = MessageFault.CreateFault(
                FaultCode.CreateSenderFaultCode("ActionNotSupported", "http://www.w3.org/2005/08/addressing"),
                new FaultReason(new FaultReasonText("The message with Action '" + action
                    + "' cannot be processed at the receiver, due to a ContractFilter mismatch at the EndpointDispatcher.", "en-US")));
            return Message.CreateMessage(Version, fault, "http://www.w3.org/2005/08/addressing/fault");
        }

        // ---- ICalculatorDuplex: one-way in, callbacks out on the same socket

        async Task Duplex(Message request)
        {
            string action = request.Headers.Action ?? "";
            string op = action.StartsWith(Names.Duplex, StringComparison.Ordinal) ? action.Substring(Names.Duplex.Length) : "";
            if (op == "Clear")
            {
                request.GetBody<ClearRequest>();
                string done = equation + " = " + Format(result);
                result = 0;
                equation = "0";
                await Send(Message.CreateMessage(Version, Names.Duplex + "Equation", new EquationCallback { eqn = done }));
                return;
            }
            string symbol;
            switch (op)
            {
                case "AddTo": symbol = "+"; break;
                case "SubtractFrom": symbol = "-"; break;
                case "MultiplyBy": symbol = "*"; break;
                case "DivideBy": symbol = "/"; break;
                default:
                    Log("one-way message with unknown action '{0}' dropped", action);
                    return;
            }
            double n = request.GetBody<Operand>(new DataContractSerializer(typeof(Operand), op, Names.Tns)).n;
            switch (symbol)
            {
                case "+": result += n; break;
                case "-": result -= n; break;
                case "*": result *= n; break;
                default: result /= n; break;
            }
            equation += " " + symbol + " " + Format(n);
            await Send(Message.CreateMessage(Version, Names.Duplex + "Result", new ResultCallback { result = result }));
        }

        static string Format(double d)
        {
            return d.ToString("R", CultureInfo.InvariantCulture);
        }
    }
}
