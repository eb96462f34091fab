// SoapWsTransport.cs: a WCF transport for Mono that speaks [MS-SWSB] (SOAP over
// WebSocket, the wire protocol of .NET's NetHttpBinding WebSocket transport).
//
// Mono's System.ServiceModel has no WebSocket transport (NetHttpBinding and
// WebSocketTransportSettings throw NotImplementedException), so this file
// provides one over System.Net.WebSockets.ClientWebSocket that does on the wire
// what .NET's ClientWebSocketTransportDuplexSessionChannel does:
//   * sub-protocol "soap";
//   * header soap-content-type = the session encoder's content type
//     ("application/soap+xml; charset=utf-8" or "application/soap+msbinsession1");
//   * header microsoft-binary-transfer-mode: Buffered, for the binary encoder only;
//   * every SOAP message is one WebSocket Binary message, text encoding included;
//   * one IDuplexSessionChannel per connection, with a receive loop.
//
// Everything above the transport is Mono's real WCF (ChannelFactory<T>,
// DuplexChannelFactory<T>, ClientRuntime, DataContractSerializer, MessageFault).
//
// Codec shims (SoapWsCodec):
//   * text: Mono's TextMessageEncoder, minus the UTF-8 BOM and XML declaration
//     it writes (.NET writes neither);
//   * msbinsession1: Mono's session encoder writes plain msbin1 without the
//     [MC-NBFSE] string table, so messages are written with
//     XmlDictionaryWriter.CreateBinaryWriter(static dictionary, writer session)
//     and prefixed with the strings the session gained; reading loads each
//     table into one XmlBinaryReaderSession per connection;
//   * each binary message is read completely on the receive thread and handed on
//     as a text XML copy: later reads must not depend on the reused receive
//     buffer or the growing reader session, and Mono's binary XML reader is no
//     IXmlNamespaceResolver, so MessageFault could not read a binary fault code.
//
// Request correlation: for a ChannelFactory<T> (no callback contract) Mono's
// ClientRuntimeChannel runs a request as Send() then Receive() on the same
// thread and takes whatever message comes next. .NET correlates by RelatesTo;
// so does this channel: Send() remembers the request's MessageID per thread and
// Receive() on that thread waits for the reply whose RelatesTo matches. That makes
// concurrent calls on one shared channel correct. (Mono's DuplexChannelFactory
// path correlates by action + FIFO in its own receive loop; see Receive.)

using System;
using System.Collections.Generic;
using System.IO;
using System.Net.WebSockets;
using System.Reflection;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.Text;
using System.Threading;
using System.Xml;

namespace SoapWs
{
    /// <summary>The transport binding element: scheme ws, channel shape IDuplexSessionChannel.</summary>
    public sealed class WebSocketTransportBindingElement : TransportBindingElement
    {
        public WebSocketTransportBindingElement() { }

        WebSocketTransportBindingElement(WebSocketTransportBindingElement other) : base(other)
        {
            SoapContentTypeOverride = other.SoapContentTypeOverride;
        }

        /// <summary>Sends this soap-content-type instead of the encoder's (negative tests).</summary>
        public string SoapContentTypeOverride { get; set; }

        public override string Scheme { get { return "ws"; } }

        public override BindingElement Clone() { return new WebSocketTransportBindingElement(this); }

        public override bool CanBuildChannelFactory<TChannel>(BindingContext context)
        {
            return typeof(TChannel) == typeof(IDuplexSessionChannel);
        }

        public override IChannelFactory<TChannel> BuildChannelFactory<TChannel>(BindingContext context)
        {
            if (!CanBuildChannelFactory<TChannel>(context))
                throw new ArgumentException("SoapWs transport only builds IDuplexSessionChannel, not " + typeof(TChannel));
            var encoding = context.BindingParameters.Find<MessageEncodingBindingElement>()
                ?? context.Binding.Elements.Find<MessageEncodingBindingElement>();
            if (encoding == null)
                throw new InvalidOperationException("the binding has no message encoding binding element");
            return (IChannelFactory<TChannel>)(object)new WebSocketChannelFactory(context.Binding, encoding, SoapContentTypeOverride);
        }

        public override T GetProperty<T>(BindingContext context)
        {
            if (typeof(T) == typeof(MessageVersion))
                return (T)(object)MessageVersion.Soap12WSAddressing10;
            return base.GetProperty<T>(context);
        }
    }

    /// <summary>Creates one WebSocketDuplexSessionChannel per proxy.</summary>
    public sealed class WebSocketChannelFactory : ChannelFactoryBase<IDuplexSessionChannel>
    {
        readonly MessageEncodingBindingElement encoding;
        readonly string contentTypeOverride;

        public WebSocketChannelFactory(IDefaultCommunicationTimeouts timeouts, MessageEncodingBindingElement encoding, string contentTypeOverride)
            : base(timeouts)
        {
            this.encoding = encoding;
            this.contentTypeOverride = contentTypeOverride;
        }

        public override T GetProperty<T>()
        {
            if (typeof(T) == typeof(MessageVersion))
                return (T)(object)MessageVersion.Soap12WSAddressing10;
            return base.GetProperty<T>();
        }

        protected override IDuplexSessionChannel OnCreateChannel(EndpointAddress address, Uri via)
        {
            return new WebSocketDuplexSessionChannel(this, address, via ?? address.Uri,
                new SoapWsCodec(encoding is BinaryMessageEncodingBindingElement), contentTypeOverride);
        }

        protected override void OnOpen(TimeSpan timeout) { }
        protected override IAsyncResult OnBeginOpen(TimeSpan timeout, AsyncCallback callback, object state)
        {
            return new Action<TimeSpan>(OnOpen).BeginInvoke(timeout, callback, state);
        }
        protected override void OnEndOpen(IAsyncResult result) { }
    }

    /// <summary>The per-connection encoder (see the file comment for the shims).</summary>
    public sealed class SoapWsCodec
    {
        public static readonly MessageVersion Version = MessageVersion.Soap12WSAddressing10;
        public const string TextContentType = "application/soap+xml; charset=utf-8";
        public const string SessionContentType = "application/soap+msbinsession1";

        /// <summary>Mono's own static dictionary: its Message writes these very XmlDictionaryStrings.</summary>
        static readonly IXmlDictionary StaticDictionary = LoadStaticDictionary();

        /// <summary>SOAPWS_WIRE_LOG=1 logs each binary message's string table to stderr.</summary>
        static readonly bool WireLog = Environment.GetEnvironmentVariable("SOAPWS_WIRE_LOG") == "1";

        readonly bool binary;
        readonly MessageEncoder textEncoder;
        readonly RecordingWriterSession writerSession = new RecordingWriterSession();
        readonly XmlBinaryReaderSession readerSession = new XmlBinaryReaderSession();
        int nextReaderKey;

        public SoapWsCodec(bool binary)
        {
            this.binary = binary;
            if (!binary)
                textEncoder = new TextMessageEncodingBindingElement(Version, new UTF8Encoding(false))
                    .CreateMessageEncoderFactory().Encoder;
        }

        public bool IsBinary { get { return binary; } }

        /// <summary>The session encoder's content type, sent as soap-content-type.</summary>
        public string ContentType { get { return binary ? SessionContentType : TextContentType; } }

        static IXmlDictionary LoadStaticDictionary()
        {
            Type constants = typeof(Message).Assembly.GetType("System.ServiceModel.Constants", true);
            const BindingFlags any = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;
            FieldInfo field = constants.GetField("SoapDictionary", any);
            object value = field != null ? field.GetValue(null) : constants.GetProperty("SoapDictionary", any).GetValue(null, null);
            return (IXmlDictionary)value;
        }

        /// <summary>Encodes one message; callers serialise calls (the string table is ordered).</summary>
        public byte[] Encode(Message message)
        {
            var body = new MemoryStream();
            if (!binary)
            {
                textEncoder.WriteMessage(message, body);
                return StripXmlDeclaration(body.ToArray());
            }
            int before = writerSession.Added.Count;
            XmlDictionaryWriter writer = XmlDictionaryWriter.CreateBinaryWriter(body, StaticDictionary, writerSession, false);
            message.WriteMessage(writer);
            writer.Flush();
            // [MC-NBFSE]: MB31 size of the table, then MB31 length + UTF-8 for each new string.
            var table = new MemoryStream();
            for (int i = before; i < writerSession.Added.Count; i++)
            {
                byte[] utf8 = Encoding.UTF8.GetBytes(writerSession.Added[i]);
                WriteMb31(table, utf8.Length);
                table.Write(utf8, 0, utf8.Length);
            }
            if (WireLog)
                Console.Error.WriteLine("soapws send: {0} new session string(s), table {1} B, envelope {2} B",
                    writerSession.Added.Count - before, table.Length, body.Length);
            var framed = new MemoryStream();
            WriteMb31(framed, (int)table.Length);
            table.WriteTo(framed);
            body.WriteTo(framed);
            return framed.ToArray();
        }

        /// <summary>Decodes one message; callers serialise calls (the reader session grows in order).</summary>
        public Message Decode(byte[] bytes, int count)
        {
            if (!binary)
            {
                // Own copy: the message may be read after the receive buffer is reused.
                var own = new byte[count];
                Array.Copy(bytes, own, count);
                return textEncoder.ReadMessage(new MemoryStream(own, false), int.MaxValue, TextContentType);
            }
            int pos = 0, keyBefore = nextReaderKey;
            int size = ReadMb31(bytes, ref pos, count);
            int end = pos + size;
            if (size < 0 || end > count)
                throw new ProtocolException("msbinsession1 string table larger than the message");
            while (pos < end)
            {
                int length = ReadMb31(bytes, ref pos, end);
                if (length < 0 || pos + length > end)
                    throw new ProtocolException("msbinsession1 string table entry overruns the table");
                readerSession.Add(nextReaderKey++, new UTF8Encoding(false, true).GetString(bytes, pos, length));
                pos += length;
            }
            if (WireLog)
                Console.Error.WriteLine("soapws receive: {0} new session string(s), table {1} B, envelope {2} B",
                    nextReaderKey - keyBefore, size, count - end);
            XmlDictionaryReader reader = XmlDictionaryReader.CreateBinaryReader(
                bytes, end, count - end, StaticDictionary, XmlDictionaryReaderQuotas.Max, readerSession);
            // Read the whole message now, while this message's strings are in the reader session
            // and the buffer is ours; the copy is text XML, which also lets Mono read faults.
            return AsText(Message.CreateMessage(reader, int.MaxValue, Version));
        }

        /// <summary>
        /// Copies a message into text XML: the copy no longer refers to the receive buffer or the
        /// reader session, and Mono's MessageFault can read its QName codes (Mono's binary reader
        /// is no IXmlNamespaceResolver).
        /// </summary>
        static Message AsText(Message message)
        {
            var text = new MemoryStream();
            using (XmlDictionaryWriter w = XmlDictionaryWriter.CreateTextWriter(text, new UTF8Encoding(false), false))
            {
                message.WriteMessage(w);
                w.Flush();
            }
            XmlDictionaryReader r = XmlDictionaryReader.CreateTextReader(text.ToArray(), XmlDictionaryReaderQuotas.Max);
            return Message.CreateMessage(r, int.MaxValue, Version);
        }

        /// <summary>Drops a leading UTF-8 BOM and XML declaration (Mono writes both, .NET neither).</summary>
        static byte[] StripXmlDeclaration(byte[] b)
        {
            int start = 0;
            if (b.Length >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
                start = 3;
            if (b.Length >= start + 5 && b[start] == '<' && b[start + 1] == '?' && b[start + 2] == 'x')
            {
                int close = start;
                while (close + 1 < b.Length && !(b[close] == '?' && b[close + 1] == '>'))
                    close++;
                start = close + 2;
                while (start < b.Length && (b[start] == '\r' || b[start] == '\n' || b[start] == ' '))
                    start++;
            }
            var result = new byte[b.Length - start];
            Array.Copy(b, start, result, 0, result.Length);
            return result;
        }

        static void WriteMb31(Stream s, int value)
        {
            uint v = (uint)value;
            while (v >= 0x80)
            {
                s.WriteByte((byte)(v | 0x80));
                v >>= 7;
            }
            s.WriteByte((byte)v);
        }

        static int ReadMb31(byte[] b, ref int pos, int end)
        {
            int value = 0;
            for (int shift = 0; shift < 35; shift += 7)
            {
                if (pos >= end)
                    throw new ProtocolException("truncated MB31 integer");
                byte x = b[pos++];
                value |= (x & 0x7F) << shift;
                if ((x & 0x80) == 0)
                    return value;
            }
            throw new ProtocolException("MB31 integer longer than 5 bytes");
        }
    }

    /// <summary>Records, in order, the strings the binary writer newly adds to its session.</summary>
    public sealed class RecordingWriterSession : XmlBinaryWriterSession
    {
        readonly List<string> added = new List<string>();

        public IList<string> Added { get { return added; } }

        public override bool TryAdd(XmlDictionaryString value, out int key)
        {
            if (!base.TryAdd(value, out key))
                return false;
            added.Add(value.Value);
            return true;
        }
    }

    sealed class DuplexSession : IDuplexSession
    {
        readonly WebSocketDuplexSessionChannel channel;
        readonly string id = "urn:uuid:" + Guid.NewGuid();

        public DuplexSession(WebSocketDuplexSessionChannel channel) { this.channel = channel; }

        public string Id { get { return id; } }

        public void CloseOutputSession() { CloseOutputSession(channel.CloseTimeout); }

        public void CloseOutputSession(TimeSpan timeout) { channel.CloseOutput(timeout); }

        public IAsyncResult BeginCloseOutputSession(AsyncCallback callback, object state)
        {
            return BeginCloseOutputSession(channel.CloseTimeout, callback, state);
        }

        public IAsyncResult BeginCloseOutputSession(TimeSpan timeout, AsyncCallback callback, object state)
        {
            return new Action<TimeSpan>(CloseOutputSession).BeginInvoke(timeout, callback, state);
        }

        public void EndCloseOutputSession(IAsyncResult result)
        {
            ((Action<TimeSpan>)((System.Runtime.Remoting.Messaging.AsyncResult)result).AsyncDelegate).EndInvoke(result);
        }
    }

    /// <summary>One WebSocket connection as a WCF duplex session channel.</summary>
    public sealed class WebSocketDuplexSessionChannel : ChannelBase, IDuplexSessionChannel
    {
        readonly EndpointAddress remote;
        readonly Uri via;
        readonly SoapWsCodec codec;
        readonly string contentTypeOverride;
        readonly DuplexSession session;
        readonly ClientWebSocket socket = new ClientWebSocket();
        readonly object sendLock = new object();

        // Received messages not yet taken, guarded by `inbox`.
        readonly List<Message> inbox = new List<Message>();
        bool inputClosed;        // the server closed (or the socket failed): no more messages
        Exception inputError;    // why, when it was not a clean close
        Thread receiver;
        readonly ManualResetEvent receiverDone = new ManualResetEvent(false);

        // The MessageID of the last request this thread sent (see the file comment).
        [ThreadStatic] static UniqueId pendingRequest;

        public WebSocketDuplexSessionChannel(ChannelManagerBase manager, EndpointAddress remote, Uri via,
            SoapWsCodec codec, string contentTypeOverride) : base(manager)
        {
            this.remote = remote;
            this.via = via;
            this.codec = codec;
            this.contentTypeOverride = contentTypeOverride;
            session = new DuplexSession(this);
        }

        internal TimeSpan CloseTimeout { get { return DefaultCloseTimeout; } }

        public EndpointAddress LocalAddress { get { return new EndpointAddress(EndpointAddress.AnonymousUri); } }
        public EndpointAddress RemoteAddress { get { return remote; } }
        public Uri Via { get { return via; } }
        public IDuplexSession Session { get { return session; } }

        public override T GetProperty<T>()
        {
            if (typeof(T) == typeof(MessageVersion))
                return (T)(object)SoapWsCodec.Version;
            if (typeof(T) == typeof(IDuplexSession))
                return (T)(object)session;
            return base.GetProperty<T>();
        }

        // ---- open: the [MS-SWSB] handshake

        protected override void OnOpen(TimeSpan timeout)
        {
            socket.Options.AddSubProtocol("soap");
            socket.Options.SetRequestHeader("soap-content-type", contentTypeOverride ?? codec.ContentType);
            if (codec.IsBinary)
                socket.Options.SetRequestHeader("microsoft-binary-transfer-mode", "Buffered");
            using (var cts = new CancellationTokenSource(timeout))
            {
                try
                {
                    socket.ConnectAsync(via, cts.Token).GetAwaiter().GetResult();
                }
                catch (WebSocketException e)
                {
                    throw new EndpointNotFoundException("WebSocket handshake with " + via + " failed: " + e.Message, e);
                }
                catch (OperationCanceledException e)
                {
                    throw new TimeoutException("WebSocket handshake with " + via + " timed out", e);
                }
            }
            // ClientWebSocket accepts a 101 without Sec-WebSocket-Protocol; WCF does not.
            if (socket.SubProtocol != "soap")
            {
                socket.Abort();
                throw new ProtocolException("the server did not accept the 'soap' sub-protocol (got '" + socket.SubProtocol + "')");
            }
            receiver = new Thread(ReceiveLoop) { IsBackground = true, Name = "soapws receive " + via };
            receiver.Start();
        }

        protected override IAsyncResult OnBeginOpen(TimeSpan timeout, AsyncCallback callback, object state)
        {
            return new Action<TimeSpan>(OnOpen).BeginInvoke(timeout, callback, state);
        }

        protected override void OnEndOpen(IAsyncResult result)
        {
            ((Action<TimeSpan>)((System.Runtime.Remoting.Messaging.AsyncResult)result).AsyncDelegate).EndInvoke(result);
        }

        // ---- receive loop

        void ReceiveLoop()
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    int count = 0;
                    WebSocketReceiveResult r;
                    do
                    {
                        if (count == buffer.Length)
                            Array.Resize(ref buffer, buffer.Length * 2);
                        r = socket.ReceiveAsync(new ArraySegment<byte>(buffer, count, buffer.Length - count), CancellationToken.None)
                            .GetAwaiter().GetResult();
                        count += r.Count;
                    } while (!r.EndOfMessage && r.MessageType != WebSocketMessageType.Close);

                    if (r.MessageType == WebSocketMessageType.Close)
                    {
                        // No more input; then answer the server's Close frame unless we started the close.
                        EndInput(null);
                        lock (sendLock)
                        {
                            if (socket.State == WebSocketState.CloseReceived)
                                socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None)
                                    .GetAwaiter().GetResult();
                        }
                        return;
                    }
                    if (r.MessageType != WebSocketMessageType.Binary)
                        throw new ProtocolException("[MS-SWSB] messages are Binary WebSocket messages; got " + r.MessageType);
                    // Decode now, on this thread: the session string table grows in message order.
                    Message message = codec.Decode(buffer, count);
                    lock (inbox)
                    {
                        inbox.Add(message);
                        Monitor.PulseAll(inbox);
                    }
                }
            }
            catch (Exception e)
            {
                EndInput(e);
            }
            finally
            {
                receiverDone.Set();
            }
        }

        void EndInput(Exception error)
        {
            lock (inbox)
            {
                inputClosed = true;
                inputError = error;
                Monitor.PulseAll(inbox);
            }
        }

        /// <summary>
        /// Takes the next message for this thread: the reply to its pending request, or
        /// (no request pending) the oldest message. False on timeout or when input ended.
        /// </summary>
        bool Take(TimeSpan timeout, out Message message, out bool ended)
        {
            UniqueId wanted = pendingRequest;
            DateTime deadline = timeout >= TimeSpan.FromDays(1) ? DateTime.MaxValue : DateTime.UtcNow + timeout;
            lock (inbox)
            {
                while (true)
                {
                    for (int i = 0; i < inbox.Count; i++)
                    {
                        UniqueId relatesTo = wanted == null ? null : inbox[i].Headers.RelatesTo;
                        if (wanted == null || wanted == relatesTo)
                        {
                            message = inbox[i];
                            inbox.RemoveAt(i);
                            if (wanted != null)
                                pendingRequest = null;
                            ended = false;
                            return true;
                        }
                    }
                    if (inputClosed || State == CommunicationState.Closing || State == CommunicationState.Closed)
                    {
                        message = null;
                        ended = true;
                        return false;
                    }
                    TimeSpan left = deadline == DateTime.MaxValue ? TimeSpan.FromSeconds(1) : deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero)
                    {
                        message = null;
                        ended = false;
                        return false;
                    }
                    Monitor.Wait(inbox, left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
                }
            }
        }

        public Message Receive() { return Receive(DefaultReceiveTimeout); }

        public Message Receive(TimeSpan timeout)
        {
            Message message;
            bool ended;
            if (Take(timeout, out message, out ended))
                return message;
            if (ended)
                throw InputEndedException();
            throw new TimeoutException("no message from " + via + " within " + timeout);
        }

        Exception InputEndedException()
        {
            lock (inbox)
            {
                if (inputError != null)
                    return new CommunicationException("the WebSocket connection to " + via + " failed: " + inputError.Message, inputError);
                return new CommunicationException("the server closed the WebSocket session with " + via);
            }
        }

        /// <summary>
        /// WCF's contract returns (true, null) once the session's input is closed; Mono's duplex
        /// client loop dereferences that null, so this returns false instead, after the timeout
        /// (returning at once would make that loop spin).
        /// </summary>
        public bool TryReceive(TimeSpan timeout, out Message message)
        {
            bool ended;
            if (Take(timeout, out message, out ended))
                return true;
            if (ended && State == CommunicationState.Opened)
                WaitForClose(timeout);
            return false;
        }

        void WaitForClose(TimeSpan timeout)
        {
            DateTime deadline = DateTime.UtcNow + (timeout > TimeSpan.FromSeconds(10) ? TimeSpan.FromSeconds(10) : timeout);
            while (State == CommunicationState.Opened && DateTime.UtcNow < deadline)
                Thread.Sleep(50);
        }

        public bool WaitForMessage(TimeSpan timeout)
        {
            DateTime deadline = DateTime.UtcNow + timeout;
            lock (inbox)
            {
                while (inbox.Count == 0 && !inputClosed)
                {
                    TimeSpan left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero)
                        return false;
                    Monitor.Wait(inbox, left);
                }
                return true;
            }
        }

        delegate bool TryReceiveFn(TimeSpan timeout, out Message message);

        public IAsyncResult BeginReceive(AsyncCallback callback, object state) { return BeginReceive(DefaultReceiveTimeout, callback, state); }
        public IAsyncResult BeginReceive(TimeSpan timeout, AsyncCallback callback, object state)
        {
            return new Func<TimeSpan, Message>(Receive).BeginInvoke(timeout, callback, state);
        }
        public Message EndReceive(IAsyncResult result)
        {
            return ((Func<TimeSpan, Message>)((System.Runtime.Remoting.Messaging.AsyncResult)result).AsyncDelegate).EndInvoke(result);
        }
        public IAsyncResult BeginTryReceive(TimeSpan timeout, AsyncCallback callback, object state)
        {
            Message ignored;
            return new TryReceiveFn(TryReceive).BeginInvoke(timeout, out ignored, callback, state);
        }
        public bool EndTryReceive(IAsyncResult result, out Message message)
        {
            return ((TryReceiveFn)((System.Runtime.Remoting.Messaging.AsyncResult)result).AsyncDelegate).EndInvoke(out message, result);
        }
        public IAsyncResult BeginWaitForMessage(TimeSpan timeout, AsyncCallback callback, object state)
        {
            return new Func<TimeSpan, bool>(WaitForMessage).BeginInvoke(timeout, callback, state);
        }
        public bool EndWaitForMessage(IAsyncResult result)
        {
            return ((Func<TimeSpan, bool>)((System.Runtime.Remoting.Messaging.AsyncResult)result).AsyncDelegate).EndInvoke(result);
        }

        // ---- send

        public void Send(Message message) { Send(message, DefaultSendTimeout); }

        public void Send(Message message, TimeSpan timeout)
        {
            ThrowIfDisposedOrNotOpen();
            UniqueId id = message.Headers.MessageId;
            lock (sendLock)
            {
                lock (inbox)
                {
                    if (inputClosed)
                        throw InputEndedException();
                }
                // Encode and send under one lock: the session string table is ordered.
                byte[] bytes = codec.Encode(message);
                using (var cts = new CancellationTokenSource(timeout))
                {
                    try
                    {
                        socket.SendAsync(new ArraySegment<byte>(bytes), WebSocketMessageType.Binary, true, cts.Token)
                            .GetAwaiter().GetResult();
                    }
                    catch (OperationCanceledException e)
                    {
                        throw new TimeoutException("sending to " + via + " timed out", e);
                    }
                    catch (Exception e)
                    {
                        throw new CommunicationException("sending to " + via + " failed: " + e.Message, e);
                    }
                }
            }
            if (id != null)
                pendingRequest = id;
        }

        public IAsyncResult BeginSend(Message message, AsyncCallback callback, object state)
        {
            return BeginSend(message, DefaultSendTimeout, callback, state);
        }
        public IAsyncResult BeginSend(Message message, TimeSpan timeout, AsyncCallback callback, object state)
        {
            return new Action<Message, TimeSpan>(Send).BeginInvoke(message, timeout, callback, state);
        }
        public void EndSend(IAsyncResult result)
        {
            ((Action<Message, TimeSpan>)((System.Runtime.Remoting.Messaging.AsyncResult)result).AsyncDelegate).EndInvoke(result);
        }

        // ---- close: Close frame 1000, then wait for the server's

        internal void CloseOutput(TimeSpan timeout)
        {
            lock (sendLock)
            {
                if (socket.State != WebSocketState.Open && socket.State != WebSocketState.CloseReceived)
                    return;
                using (var cts = new CancellationTokenSource(timeout))
                    socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cts.Token).GetAwaiter().GetResult();
            }
        }

        protected override void OnClose(TimeSpan timeout)
        {
            DateTime start = DateTime.UtcNow;
            try
            {
                CloseOutput(timeout);
            }
            catch (Exception)
            {
                socket.Abort();
            }
            lock (inbox)
                Monitor.PulseAll(inbox);
            TimeSpan left = timeout - (DateTime.UtcNow - start);
            if (receiver != null && !receiverDone.WaitOne(left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                socket.Abort();
                throw new TimeoutException("the server did not answer the WebSocket close within " + timeout);
            }
            socket.Dispose();
            // As .NET's client does, report a server that dropped the connection instead of
            // answering our Close frame with its own.
            Exception error;
            lock (inbox)
                error = inputError;
            if (error != null)
                throw new CommunicationException("the WebSocket close handshake with " + via + " did not complete: " + error.Message, error);
        }

        protected override IAsyncResult OnBeginClose(TimeSpan timeout, AsyncCallback callback, object state)
        {
            return new Action<TimeSpan>(OnClose).BeginInvoke(timeout, callback, state);
        }

        protected override void OnEndClose(IAsyncResult result)
        {
            ((Action<TimeSpan>)((System.Runtime.Remoting.Messaging.AsyncResult)result).AsyncDelegate).EndInvoke(result);
        }

        protected override void OnAbort()
        {
            socket.Abort();
            lock (inbox)
                Monitor.PulseAll(inbox);
        }
    }

    /// <summary>
    /// Ends a test program with its verdict's exit code without Mono's runtime shutdown, which
    /// aborts the threads still alive (WCF's duplex receive loop, the timer scheduler) and now
    /// and then dies of the resulting ThreadAbortException ("FATAL UNHANDLED EXCEPTION ... Failed
    /// to compare two elements in the array"), turning a passed run into exit code 1.
    /// </summary>
    public static class ProcessExit
    {
        public static int Now(int code)
        {
            Console.Out.Flush();
            Console.Error.Flush();
            try
            {
                _exit(code);
            }
            catch (Exception)
            {
            }
            return code;
        }

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "_exit")]
        static extern void _exit(int status);
    }
}
