// WcfMessageHarness.cs
//
// Message-level interop harness around WCF's message encoders as shipped with
// Mono (System.ServiceModel). The Rust test suite
// (crates/envelope/tests/mono_interop.rs) drives it over stdin/stdout:
//
//   mono WcfMessageHarness.exe decode <text|binary|session> <dictionary.tsv>
//       stdin : one encoded message per line, as hex (session mode: the
//               consecutive messages of one connection).
//       stdout: per message, a canonical description followed by "END":
//                 ACTION\t<b64>
//                 MESSAGEID\t<b64 or ->
//                 RELATESTO\t<b64 or ->
//                 TO\t<b64 or ->
//                 REPLYTO\t<b64 of the address or ->
//                 HEADER\t<ns b64>\t<local b64>\t<mustUnderstand 0|1>   (per non-addressing header)
//               then exactly one of
//                 FAULT\t<code ns b64>\t<code b64>\t<subcode ns b64 or ->\t<subcode b64 or ->\t<reason b64>
//                 BODY\t<b64 of the body's top-level elements, ReadOuterXml concatenated>
//                 EMPTY
//               If anything throws: "ERR <type>: <message>" then "END".
//
//   mono WcfMessageHarness.exe encode <text|binary|session> <dictionary.tsv>
//       stdin : one message per line, TAB separated fields (b64 = base64 of UTF-8):
//                 REQUEST\t<action>\t<to>\t<body xml or ->[\t<ns>:<local>:<value>]
//                 ONEWAY\t<action>\t<to>\t<body xml or ->
//                 REPLY\t<action>\t<relatesTo urn:uuid>\t<body xml or ->
//                 FAULT\t<action>\t<Sender|Receiver>\t<subcode ns>\t<subcode local>\t<reason>\t<relatesTo or ->
//               every field but the keyword and the code is base64; "-" means absent.
//       stdout: one line per message: lowercase hex of the encoded bytes, or
//               "ERR <type>: <message>".
//
// Modes:
//   text    TextMessageEncodingBindingElement(Soap12WSAddressing10, UTF-8),
//           Stream overloads. Mono writes a UTF-8 BOM and an XML declaration;
//           both are kept in what is emitted (our decoder must accept them).
//   binary  BinaryMessageEncodingBindingElement (application/soap+msbin1),
//           Stream overloads (the buffered ones throw NotImplementedException
//           on Mono).
//   session application/soap+msbinsession1 through a shim: Mono's session
//           encoder writes plain msbin1 with no [MC-NBFSE] string table, so the
//           harness writes with XmlDictionaryWriter.CreateBinaryWriter(stream,
//           staticDictionary, writerSession) + Message.WriteMessage and
//           prepends the strings the writer session gained; it reads by loading
//           the table into an XmlBinaryReaderSession and
//           XmlDictionaryReader.CreateBinaryReader(...) + Message.CreateMessage.
//           The session persists across the messages of one run. Body names
//           are written as XmlDictionaryStrings in this mode (see
//           DictionaryBodyWriter) so that they reach the session.
//
// Mono quirks handled here (details at the code):
//   * its text encoder writes a BOM and an XML declaration (kept);
//   * reading an EndpointAddress maps the WSA 1.0 anonymous URI to WCF's own,
//     so REPLYTO prints the Address element's text as written;
//   * its binary reader (System.Xml.XmlBinaryReader) is no
//     IXmlNamespaceResolver, so MessageFault cannot
//     read any binary SOAP 1.2 fault code; binary faults are re-read as text;
//   * it writes the top-level fault code unqualified (<s:Value>Sender</s:Value>).
//
// <dictionary.tsv> holds the [MC-NBFS] static dictionary ("<even key>\t<string>"
// per line). It is used for the session shim instead of Mono's internal
// System.ServiceModel.Constants.SoapDictionary, which differs from .NET and
// [MC-NBFS] in 6 entries. Mono's Message writes its own XmlDictionaryStrings,
// which an XmlDictionary only recognises by identity; ValueLookupDictionary
// matches them by value so that Envelope, Header, Action... get their static
// keys, as with .NET.
//
// Build:
//   mcs -out:WcfMessageHarness.exe -r:System.ServiceModel.dll \
//       -r:System.Runtime.Serialization.dll -r:System.Xml.dll WcfMessageHarness.cs
//
// Exit codes: 0 = ran to completion (messages may still report ERR),
// 2 = bad command line or unreadable dictionary.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.Text;
using System.Xml;

namespace WcfMessageInterop
{
    /// <summary>Entry point: dispatches to the decode or encode command.</summary>
    public static class Program
    {
        const string Usage =
            "usage: WcfMessageHarness.exe <decode|encode> <text|binary|session> <dictionary.tsv>";

        public static int Main(string[] args)
        {
            var stdin = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
            var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false));
            stdout.NewLine = "\n";
            try
            {
                if (args.Length != 3 || (args[0] != "decode" && args[0] != "encode") ||
                    (args[1] != "text" && args[1] != "binary" && args[1] != "session"))
                {
                    Console.Error.WriteLine(Usage);
                    return 2;
                }
                XmlDictionary dictionary = StaticDictionary.Load(args[2]);
                var codec = new Codec(args[1], dictionary);
                if (args[0] == "decode")
                    new DecodeCommand(codec, stdout).Run(stdin);
                else
                    new EncodeCommand(codec, stdout).Run(stdin);
            }
            catch (SetupException e)
            {
                Console.Error.WriteLine("WcfMessageHarness: " + e.Message);
                return 2;
            }
            finally
            {
                stdout.Flush();
            }
            return 0;
        }
    }

    /// <summary>A fatal problem with the command line or the dictionary file.</summary>
    public sealed class SetupException : Exception
    {
        public SetupException(string message) : base(message) { }
    }

    /// <summary>A malformed input line (reported as "ERR ScriptException: ...").</summary>
    public sealed class ScriptException : Exception
    {
        public ScriptException(string message) : base(message) { }
    }

    /// <summary>Loads the static dictionary TSV into an XmlDictionary (as NbfxHarness.cs does).</summary>
    public static class StaticDictionary
    {
        /// <summary>
        /// "<even key>\t<string>" lines, added in key order so that
        /// XmlDictionaryString.Key == key / 2. Only the first TAB separates key
        /// and value; values are never trimmed.
        /// </summary>
        public static XmlDictionary Load(string path)
        {
            string content;
            try
            {
                content = File.ReadAllText(path, new UTF8Encoding(false, true));
            }
            catch (Exception e)
            {
                throw new SetupException("cannot read dictionary '" + path + "': " + e.Message);
            }

            var entries = new SortedDictionary<int, string>();
            string[] lines = content.Split('\n');
            for (int lineNo = 0; lineNo < lines.Length; lineNo++)
            {
                string line = lines[lineNo];
                if (line.EndsWith("\r", StringComparison.Ordinal))
                    line = line.Substring(0, line.Length - 1);
                if (line.Length == 0)
                    continue;
                int tab = line.IndexOf('\t');
                int key;
                if (tab < 0 || !int.TryParse(line.Substring(0, tab), NumberStyles.None,
                                             CultureInfo.InvariantCulture, out key))
                    throw new SetupException(string.Format("dictionary line {0}: expected '<key>\\t<string>'", lineNo + 1));
                if (entries.ContainsKey(key))
                    throw new SetupException(string.Format("dictionary line {0}: duplicate key {1}", lineNo + 1, key));
                entries.Add(key, line.Substring(tab + 1));
            }

            var dictionary = new ValueLookupDictionary(entries.Count);
            int index = 0;
            foreach (KeyValuePair<int, string> entry in entries)
            {
                if (entry.Key != index * 2)
                    throw new SetupException(string.Format("dictionary: expected key {0}, found {1}", index * 2, entry.Key));
                XmlDictionaryString added = dictionary.Add(entry.Value);
                if (added.Key != index)
                    throw new SetupException(string.Format("dictionary: key {0} repeats an earlier string", entry.Key));
                index++;
            }
            return dictionary;
        }
    }

    /// <summary>
    /// An XmlDictionary that also recognises XmlDictionaryStrings of other
    /// dictionaries by their value. XmlDictionary.TryLookup(XmlDictionaryString)
    /// matches by identity only, and Mono's Message writes its own
    /// (internal SoapDictionary) strings: without this, Envelope, Header, the
    /// SOAP namespace... would all land in the session string table instead of
    /// being written by static key as .NET does (its writer is given the very
    /// dictionary its strings come from).
    /// </summary>
    public sealed class ValueLookupDictionary : XmlDictionary
    {
        public ValueLookupDictionary(int capacity) : base(capacity) { }

        public override bool TryLookup(XmlDictionaryString value, out XmlDictionaryString result)
        {
            if (base.TryLookup(value, out result))
                return true;
            // Application strings (body names) keep identity semantics, as in
            // .NET: they go to the session even when their text is a static entry.
            if (value == null || value.Dictionary is BodyNameDictionary)
                return false;
            return TryLookup(value.Value, out result);
        }
    }

    /// <summary>The dictionary of application (body) names; see ValueLookupDictionary.</summary>
    public sealed class BodyNameDictionary : XmlDictionary
    {
    }

    /// <summary>
    /// Writer session that records, in order, every string it newly assigns
    /// an id to, so the [MC-NBFSE] string table can be emitted.
    /// </summary>
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

    /// <summary>One connection's encoder: WCF's encoders for text and msbin1, the shim for msbinsession1.</summary>
    public sealed class Codec
    {
        public static readonly MessageVersion Version = MessageVersion.Soap12WSAddressing10;
        const string TextContentType = "application/soap+xml; charset=utf-8";
        const string BinaryContentType = "application/soap+msbin1";

        readonly string mode;
        readonly XmlDictionary staticDictionary;

        public string Mode { get { return mode; } }
        readonly MessageEncoder encoder; // text and binary modes

        // Session mode: one writer session (encode) and one reader session
        // (decode) for the whole run, as on one connection.
        readonly RecordingWriterSession writerSession = new RecordingWriterSession();
        readonly XmlBinaryReaderSession readerSession = new XmlBinaryReaderSession();
        int nextReaderId;

        public Codec(string mode, XmlDictionary staticDictionary)
        {
            this.mode = mode;
            this.staticDictionary = staticDictionary;
            if (mode == "text")
                encoder = new TextMessageEncodingBindingElement(Version, Encoding.UTF8)
                    .CreateMessageEncoderFactory().Encoder;
            else if (mode == "binary")
                encoder = new BinaryMessageEncodingBindingElement().CreateMessageEncoderFactory().Encoder;
        }

        public byte[] Encode(Message message)
        {
            var stream = new MemoryStream();
            if (mode != "session")
            {
                encoder.WriteMessage(message, stream);
                return stream.ToArray();
            }

            int before = writerSession.Added.Count;
            XmlDictionaryWriter writer = XmlDictionaryWriter.CreateBinaryWriter(stream, staticDictionary, writerSession, false);
            message.WriteMessage(writer);
            writer.Flush();

            // [MC-NBFSE]: MB31(table size), then MB31(length) + UTF-8 per new string.
            var table = new MemoryStream();
            for (int i = before; i < writerSession.Added.Count; i++)
            {
                byte[] utf8 = Encoding.UTF8.GetBytes(writerSession.Added[i]);
                Hex.WriteMb31(table, utf8.Length);
                table.Write(utf8, 0, utf8.Length);
            }
            var result = new MemoryStream();
            Hex.WriteMb31(result, (int)table.Length);
            table.WriteTo(result);
            stream.WriteTo(result);
            return result.ToArray();
        }

        public Message Decode(byte[] bytes)
        {
            if (mode == "text")
                return encoder.ReadMessage(new MemoryStream(bytes), int.MaxValue, TextContentType);
            if (mode == "binary")
                return encoder.ReadMessage(new MemoryStream(bytes), int.MaxValue, BinaryContentType);

            int offset = ReadStringTable(bytes);
            XmlDictionaryReader reader = XmlDictionaryReader.CreateBinaryReader(
                bytes, offset, bytes.Length - offset, staticDictionary, XmlDictionaryReaderQuotas.Max, readerSession);
            return Message.CreateMessage(reader, int.MaxValue, Version);
        }

        /// <summary>Adds the message's string table to the reader session; returns where the envelope starts.</summary>
        int ReadStringTable(byte[] bytes)
        {
            int pos = 0;
            int size = Hex.ReadMb31(bytes, ref pos, bytes.Length);
            if (size > bytes.Length - pos)
                throw new FormatException("string table size exceeds the message");
            int end = pos + size;
            var strings = new List<string>();
            var utf8 = new UTF8Encoding(false, true);
            while (pos < end)
            {
                int length = Hex.ReadMb31(bytes, ref pos, end);
                if (length > end - pos)
                    throw new FormatException("string table entry exceeds the table");
                strings.Add(utf8.GetString(bytes, pos, length));
                pos += length;
            }
            foreach (string s in strings)
                readerSession.Add(nextReaderId++, s);
            return end;
        }
    }

    /// <summary>Hex, base64 and MB31 helpers.</summary>
    public static class Hex
    {
        static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        public static string B64(string text)
        {
            return text == null ? "-" : Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
        }

        public static string Text(string b64)
        {
            return StrictUtf8.GetString(Convert.FromBase64String(b64));
        }

        /// <summary>"-" → null, else base64 of UTF-8 → string.</summary>
        public static string OptionalText(string field)
        {
            return field == "-" ? null : Text(field);
        }

        public static string ToHex(byte[] bytes)
        {
            var sb = new StringBuilder(bytes.Length * 2);
            foreach (byte b in bytes)
                sb.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        public static byte[] FromHex(string hex)
        {
            if (hex.Length % 2 != 0)
                throw new FormatException("odd number of hex digits");
            var bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
                bytes[i] = byte.Parse(hex.Substring(2 * i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return bytes;
        }

        public static void WriteMb31(Stream stream, int value)
        {
            uint v = (uint)value;
            while (v >= 0x80)
            {
                stream.WriteByte((byte)(v | 0x80));
                v >>= 7;
            }
            stream.WriteByte((byte)v);
        }

        public static int ReadMb31(byte[] buffer, ref int pos, int end)
        {
            uint value = 0;
            for (int i = 0; i < 5; i++)
            {
                if (pos >= end)
                    throw new FormatException("truncated MB31 integer");
                byte b = buffer[pos++];
                value |= (uint)(b & 0x7F) << (7 * i);
                if ((b & 0x80) == 0)
                    return (int)value;
            }
            throw new FormatException("MB31 integer out of range");
        }

        public static string ErrorLine(Exception e)
        {
            // The innermost cause is usually the informative one.
            string message = e.Message;
            if (e.InnerException != null)
                message += " (" + e.InnerException.GetType().Name + ": " + e.InnerException.Message + ")";
            message = message.Replace("\r\n", " ").Replace('\r', ' ').Replace('\n', ' ');
            return "ERR " + e.GetType().Name + ": " + message;
        }
    }

    /// <summary>decode: prints what WCF sees in each message.</summary>
    public sealed class DecodeCommand
    {
        const string Wsa10 = "http://www.w3.org/2005/08/addressing";
        readonly Codec codec;
        readonly TextWriter output;

        public DecodeCommand(Codec codec, TextWriter output)
        {
            this.codec = codec;
            this.output = output;
        }

        public void Run(TextReader input)
        {
            string line;
            while ((line = input.ReadLine()) != null)
            {
                line = line.Trim();
                if (line.Length == 0)
                    continue;
                // The description is built completely before printing, so an
                // exception leaves only the ERR line for this message.
                var lines = new List<string>();
                try
                {
                    Describe(codec.Decode(Hex.FromHex(line)), lines);
                }
                catch (Exception e)
                {
                    lines.Clear();
                    lines.Add(Hex.ErrorLine(e));
                }
                foreach (string l in lines)
                    output.WriteLine(l);
                output.WriteLine("END");
                output.Flush();
            }
        }

        void Describe(Message message, List<string> lines)
        {
            MessageHeaders h = message.Headers;
            lines.Add("ACTION\t" + Hex.B64(h.Action));
            lines.Add("MESSAGEID\t" + (h.MessageId == null ? "-" : Hex.B64(h.MessageId.ToString())));
            lines.Add("RELATESTO\t" + (h.RelatesTo == null ? "-" : Hex.B64(h.RelatesTo.ToString())));
            lines.Add("TO\t" + (h.To == null ? "-" : Hex.B64(h.To.OriginalString)));
            lines.Add("REPLYTO\t" + Hex.B64(ReplyToAddress(h)));
            foreach (MessageHeaderInfo info in h)
            {
                if (info.Namespace == Wsa10)
                    continue;
                lines.Add(string.Format("HEADER\t{0}\t{1}\t{2}", Hex.B64(info.Namespace), Hex.B64(info.Name),
                                        info.MustUnderstand ? "1" : "0"));
            }

            if (message.IsFault)
            {
                // Mono quirk: its binary XmlDictionaryReader does not implement
                // IXmlNamespaceResolver, and MessageFault reads s:Code/s:Value with
                // ReadElementContentAs(typeof(XmlQualifiedName), reader as
                // IXmlNamespaceResolver, ...): with a null resolver no prefix
                // resolves, so MessageFault.CreateFault fails on every binary SOAP
                // 1.2 fault ("Content cannot be converted to the type
                // System.Xml.XmlQualifiedName"), Mono's own included. For binary
                // modes the fault element is therefore read by the binary reader
                // (ReadOuterXml) and handed to MessageFault as XML text.
                Message faultMessage = message;
                if (codec.Mode != "text")
                {
                    string xml;
                    using (XmlDictionaryReader reader = message.GetReaderAtBodyContents())
                        xml = reader.ReadOuterXml();
                    faultMessage = Message.CreateMessage(Codec.Version, h.Action, XmlReader.Create(new StringReader(xml)));
                }
                // Note: Mono writes the top-level code of its own faults
                // unqualified (<s:Value>Sender</s:Value>), so it reads back
                // with an empty namespace.
                MessageFault fault = MessageFault.CreateFault(faultMessage, int.MaxValue);
                FaultCode sub = fault.Code.SubCode;
                string reason = fault.Reason.Translations.Count > 0 ? fault.Reason.Translations[0].Text : "";
                lines.Add(string.Format("FAULT\t{0}\t{1}\t{2}\t{3}\t{4}",
                                        Hex.B64(fault.Code.Namespace), Hex.B64(fault.Code.Name),
                                        sub == null ? "-" : Hex.B64(sub.Namespace), sub == null ? "-" : Hex.B64(sub.Name),
                                        Hex.B64(reason)));
                return;
            }
            if (message.IsEmpty)
            {
                lines.Add("EMPTY");
                return;
            }
            var body = new StringBuilder();
            using (XmlDictionaryReader reader = message.GetReaderAtBodyContents())
            {
                reader.MoveToContent();
                while (reader.NodeType == XmlNodeType.Element)
                {
                    body.Append(reader.ReadOuterXml());
                    reader.MoveToContent();
                }
            }
            lines.Add(body.Length == 0 ? "EMPTY" : "BODY\t" + Hex.B64(body.ToString()));
        }

        /// <summary>
        /// The ReplyTo address exactly as written in the message (null when
        /// there is no ReplyTo). MessageHeaders.ReplyTo cannot be used: reading
        /// an EndpointAddress maps the WS-Addressing 1.0 anonymous URI to WCF's
        /// own ".../ServiceModel/Addressing/Anonymous".
        /// </summary>
        static string ReplyToAddress(MessageHeaders h)
        {
            int index = h.FindHeader("ReplyTo", Wsa10);
            if (index < 0)
                return null;
            using (XmlDictionaryReader reader = h.GetReaderAtHeader(index))
            {
                reader.ReadStartElement("ReplyTo", Wsa10);
                reader.MoveToContent();
                while (reader.NodeType == XmlNodeType.Element)
                {
                    if (reader.LocalName == "Address" && reader.NamespaceURI == Wsa10)
                        return reader.ReadElementContentAsString().Trim();
                    reader.Skip();
                    reader.MoveToContent();
                }
            }
            throw new FormatException("ReplyTo without an Address");
        }
    }

    /// <summary>encode: builds messages with WCF's Message API and encodes them.</summary>
    public sealed class EncodeCommand
    {
        // AddressingVersion.WSAddressing10's anonymous URI. EndpointAddress.AnonymousUri
        // is WCF's own ".../ServiceModel/Addressing/Anonymous", which Mono writes verbatim.
        const string Anonymous = "http://www.w3.org/2005/08/addressing/anonymous";

        readonly Codec codec;
        readonly TextWriter output;

        public EncodeCommand(Codec codec, TextWriter output)
        {
            this.codec = codec;
            this.output = output;
        }

        public void Run(TextReader input)
        {
            string line;
            while ((line = input.ReadLine()) != null)
            {
                if (line.EndsWith("\r", StringComparison.Ordinal))
                    line = line.Substring(0, line.Length - 1);
                if (line.Length == 0)
                    continue;
                string result;
                try
                {
                    result = Hex.ToHex(codec.Encode(Build(line.Split('\t'))));
                }
                catch (Exception e)
                {
                    result = Hex.ErrorLine(e);
                }
                output.WriteLine(result);
                output.Flush();
            }
        }

        static string Field(string[] f, int i)
        {
            if (i >= f.Length)
                throw new ScriptException(f[0] + ": missing field " + i);
            return f[i];
        }

        // Names of body elements and attributes in session mode (see WithBody).
        readonly XmlDictionary bodyNames = new BodyNameDictionary();

        /// <summary>
        /// A message with the body XML (one root element), or an empty body for
        /// null. Text and binary modes pass an XmlReader over the XML to
        /// Message.CreateMessage. Session mode writes the same XML through
        /// DictionaryBodyWriter, with names and namespaces as XmlDictionaryStrings
        /// (as DataContractSerializer writes them), so that they go into the
        /// session string table: an XmlReader body is written with plain strings,
        /// which never reach the session.
        /// </summary>
        Message WithBody(string action, string bodyXml)
        {
            if (bodyXml == null)
                return Message.CreateMessage(Codec.Version, action);
            if (codec.Mode == "session")
                return Message.CreateMessage(Codec.Version, action, new DictionaryBodyWriter(bodyXml, bodyNames));
            XmlReader body = XmlReader.Create(new StringReader(bodyXml));
            return Message.CreateMessage(Codec.Version, action, body);
        }

        Message Build(string[] f)
        {
            Message m;
            switch (f[0])
            {
                case "REQUEST":
                case "ONEWAY":
                {
                    m = WithBody(Hex.Text(Field(f, 1)), Hex.OptionalText(Field(f, 3)));
                    m.Headers.To = new Uri(Hex.Text(Field(f, 2)));
                    if (f[0] == "REQUEST")
                    {
                        m.Headers.MessageId = new UniqueId();
                        m.Headers.ReplyTo = new EndpointAddress(Anonymous);
                        if (f.Length > 4)
                        {
                            // <ns b64>:<local b64>:<value b64> (base64 has no ':')
                            string[] h = f[4].Split(':');
                            if (h.Length != 3)
                                throw new ScriptException("header field must be <ns>:<local>:<value>");
                            m.Headers.Add(MessageHeader.CreateHeader(Hex.Text(h[1]), Hex.Text(h[0]), Hex.Text(h[2]), true));
                        }
                    }
                    return m;
                }
                case "REPLY":
                {
                    m = WithBody(Hex.Text(Field(f, 1)), Hex.OptionalText(Field(f, 3)));
                    m.Headers.RelatesTo = new UniqueId(Hex.Text(Field(f, 2)));
                    m.Headers.To = new Uri(Anonymous);
                    return m;
                }
                case "FAULT":
                {
                    string code = Field(f, 2);
                    string subNs = Hex.Text(Field(f, 3));
                    string subName = Hex.Text(Field(f, 4));
                    FaultCode faultCode;
                    if (code == "Sender")
                        faultCode = FaultCode.CreateSenderFaultCode(subName, subNs);
                    else if (code == "Receiver")
                        faultCode = FaultCode.CreateReceiverFaultCode(subName, subNs);
                    else
                        throw new ScriptException("fault code must be Sender or Receiver");
                    MessageFault fault = MessageFault.CreateFault(faultCode, new FaultReason(Hex.Text(Field(f, 5))));
                    m = Message.CreateMessage(Codec.Version, fault, Hex.Text(Field(f, 1)));
                    string relatesTo = Hex.OptionalText(Field(f, 6));
                    if (relatesTo != null)
                    {
                        m.Headers.RelatesTo = new UniqueId(relatesTo);
                        m.Headers.To = new Uri(Anonymous);
                    }
                    return m;
                }
                default:
                    throw new ScriptException("unknown command '" + f[0] + "'");
            }
        }
    }

    /// <summary>
    /// Writes XML text as a body, node by node, with every element and
    /// attribute name and namespace as an XmlDictionaryString of a per-run
    /// dictionary that is not the writer's static dictionary: a session-aware
    /// binary writer puts them in its session.
    /// </summary>
    public sealed class DictionaryBodyWriter : BodyWriter
    {
        const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";
        readonly string xml;
        readonly XmlDictionary names;

        public DictionaryBodyWriter(string xml, XmlDictionary names) : base(true)
        {
            this.xml = xml;
            this.names = names;
        }

        XmlDictionaryString Name(string s)
        {
            return string.IsNullOrEmpty(s) ? null : names.Add(s);
        }

        protected override void OnWriteBodyContents(XmlDictionaryWriter writer)
        {
            using (XmlReader r = XmlReader.Create(new StringReader(xml)))
            {
                while (r.Read())
                {
                    switch (r.NodeType)
                    {
                        case XmlNodeType.Element:
                        {
                            bool empty = r.IsEmptyElement;
                            writer.WriteStartElement(r.Prefix, Name(r.LocalName), Name(r.NamespaceURI));
                            if (r.MoveToFirstAttribute())
                            {
                                do
                                {
                                    if (r.NamespaceURI == XmlnsNamespace)
                                        writer.WriteXmlnsAttribute(r.Prefix == "xmlns" ? r.LocalName : "", Name(r.Value));
                                    else
                                    {
                                        writer.WriteStartAttribute(r.Prefix, Name(r.LocalName), Name(r.NamespaceURI));
                                        writer.WriteString(r.Value);
                                        writer.WriteEndAttribute();
                                    }
                                } while (r.MoveToNextAttribute());
                                r.MoveToElement();
                            }
                            if (empty)
                                writer.WriteEndElement();
                            break;
                        }
                        case XmlNodeType.EndElement:
                            writer.WriteEndElement();
                            break;
                        case XmlNodeType.Text:
                        case XmlNodeType.CDATA:
                        case XmlNodeType.Whitespace:
                        case XmlNodeType.SignificantWhitespace:
                            writer.WriteString(r.Value);
                            break;
                    }
                }
            }
        }
    }
}
