// NbfxHarness.cs
//
// Differential-test harness around the .NET binary XML implementation
// ([MC-NBFX] / [MC-NBFS] / [MC-NBFSE]) as shipped with Mono. The Rust test
// suite drives it over stdin/stdout:
//
//   mono NbfxHarness.exe write <dictionary.tsv>
//       stdin : a write script (one command per line, TAB separated fields)
//       stdout: one line per document: lowercase hex of the produced bytes,
//               or "ERR <ExceptionType>: <message>" if writing threw.
//
//   mono NbfxHarness.exe read <nbfx|nbfs|session>[+wcf] <dictionary.tsv>
//       stdin : one document per line, as hex
//       stdout: the canonical events of each document followed by "END".
//               If reading throws, the events produced so far are followed
//               by "ERR <ExceptionType>: <message>" and then "END".
//       The reader has no quotas (XmlDictionaryReaderQuotas.Max), or with
//       "+wcf" the defaults WCF uses (new XmlDictionaryReaderQuotas()).
//
// <dictionary.tsv> holds the [MC-NBFS] static dictionary as lines
// "<even wire key>\t<string>"; values are kept byte-exact (the empty string
// and a value with a leading space are legitimate entries).
//
// Build:
//   mcs -optimize+ -out:NbfxHarness.exe -r:System.Runtime.Serialization.dll \
//       -r:System.Xml.dll NbfxHarness.cs
//
// Exit codes: 0 = ran to completion (individual documents may still report
// ERR), 2 = bad command line or unreadable dictionary.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Xml;

namespace NbfxInterop
{
    /// <summary>Entry point: dispatches to the write or read command.</summary>
    public static class Program
    {
        const string Usage =
            "usage: NbfxHarness.exe write <dictionary.tsv>\n" +
            "       NbfxHarness.exe read <nbfx|nbfs|session>[+wcf] <dictionary.tsv>";

        public static int Main(string[] args)
        {
            // Plain UTF-8 (no BOM) in both directions and "\n" line endings,
            // independent of the platform defaults.
            var stdin = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
            var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false));
            stdout.NewLine = "\n";

            try
            {
                if (args.Length == 2 && args[0] == "write")
                {
                    XmlDictionary dictionary = StaticDictionary.Load(args[1]);
                    new WriteCommand(dictionary, stdout).Run(stdin);
                }
                else if (args.Length == 3 && args[0] == "read" && ReadCommand.IsMode(args[1]))
                {
                    XmlDictionary dictionary = StaticDictionary.Load(args[2]);
                    new ReadCommand(args[1], dictionary, stdout).Run(stdin);
                }
                else
                {
                    Console.Error.WriteLine(Usage);
                    return 2;
                }
            }
            catch (SetupException e)
            {
                Console.Error.WriteLine("NbfxHarness: " + e.Message);
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

    /// <summary>
    /// A malformed write script (unknown command, missing field, bad number...).
    /// Reported like any other exception, i.e. as "ERR ScriptException: ...",
    /// so the test suite can tell its own mistakes from writer failures.
    /// </summary>
    public sealed class ScriptException : Exception
    {
        public ScriptException(string message) : base(message) { }
    }

    /// <summary>Loads the static dictionary TSV into an XmlDictionary.</summary>
    public static class StaticDictionary
    {
        /// <summary>
        /// Reads "<even wire key>\t<string>" lines and adds the strings in key
        /// order, so that XmlDictionaryString.Key == wireKey / 2. Only the first
        /// TAB separates key from value and values are never trimmed (a line
        /// terminator, "\n" or "\r\n", is of course not part of the value).
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
                    continue; // blank line (e.g. after the final newline); not an entry

                int tab = line.IndexOf('\t');
                int key;
                if (tab < 0 || !int.TryParse(line.Substring(0, tab), NumberStyles.None,
                                             CultureInfo.InvariantCulture, out key))
                    throw new SetupException(string.Format("dictionary line {0}: expected '<key>\\t<string>'", lineNo + 1));
                if (entries.ContainsKey(key))
                    throw new SetupException(string.Format("dictionary line {0}: duplicate key {1}", lineNo + 1, key));
                entries.Add(key, line.Substring(tab + 1));
            }

            // Keys must be exactly 0, 2, 4, ... so that the XmlDictionary ids line up.
            var dictionary = new XmlDictionary(entries.Count);
            int index = 0;
            foreach (KeyValuePair<int, string> entry in entries)
            {
                if (entry.Key != index * 2)
                    throw new SetupException(string.Format("dictionary: expected key {0}, found {1}", index * 2, entry.Key));
                XmlDictionaryString added = dictionary.Add(entry.Value);
                // XmlDictionary.Add returns the existing entry for a repeated
                // string, which would shift every following id; refuse that.
                if (added.Key != index)
                    throw new SetupException(string.Format("dictionary: key {0} repeats an earlier string", entry.Key));
                index++;
            }
            return dictionary;
        }
    }

    /// <summary>Small encoding helpers shared by both commands.</summary>
    public static class Codec
    {
        // Strict UTF-8: invalid input throws instead of turning into U+FFFD.
        static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        /// <summary>Base64 of UTF-8 → string ("" stays "").</summary>
        public static string DecodeB64Text(string b64)
        {
            return StrictUtf8.GetString(Convert.FromBase64String(b64));
        }

        /// <summary>string → base64 of its UTF-8 (null is printed like "").</summary>
        public static string EncodeB64Text(string text)
        {
            // Lone surrogates cannot be represented in UTF-8; the default
            // encoder replaces them with U+FFFD.
            return Convert.ToBase64String(Encoding.UTF8.GetBytes(text ?? ""));
        }

        public static string ToHex(byte[] bytes)
        {
            var sb = new StringBuilder(bytes.Length * 2);
            foreach (byte b in bytes)
                sb.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        /// <summary>Hex (either case, no separators) → bytes.</summary>
        public static byte[] FromHex(string hex)
        {
            if (hex.Length % 2 != 0)
                throw new FormatException("odd number of hex digits");
            var bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
                bytes[i] = (byte)(HexDigit(hex[2 * i]) << 4 | HexDigit(hex[2 * i + 1]));
            return bytes;
        }

        static int HexDigit(char c)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            throw new FormatException("invalid hex digit '" + c + "'");
        }

        /// <summary>Appends an MB31 integer: 7 bits per byte, low group first, 0x80 = more.</summary>
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

        /// <summary>Reads an MB31 integer (at most 5 bytes, at most 2^31-1) and advances pos.</summary>
        public static int ReadMb31(byte[] buffer, ref int pos, int end)
        {
            uint value = 0;
            for (int i = 0; i < 5; i++)
            {
                if (pos >= end)
                    throw new FormatException("truncated MB31 integer");
                byte b = buffer[pos++];
                if (i == 4 && b > 0x07)
                    throw new FormatException("MB31 integer out of range");
                value |= (uint)(b & 0x7F) << (7 * i);
                if ((b & 0x80) == 0)
                    return (int)value;
            }
            throw new FormatException("MB31 integer out of range"); // not reached
        }

        /// <summary>"ERR <type>: <message>" with the message folded onto one line.</summary>
        public static string ErrorLine(Exception e)
        {
            string message = e.Message.Replace("\r\n", " ").Replace('\r', ' ').Replace('\n', ' ');
            return "ERR " + e.GetType().Name + ": " + message;
        }
    }

    // ------------------------------------------------------------------
    // write
    // ------------------------------------------------------------------

    /// <summary>
    /// Writer session that remembers, in order, every string it newly
    /// assigns an id to, so the harness can emit the [MC-NBFSE] string table
    /// that must precede each session-mode document.
    /// </summary>
    public sealed class RecordingWriterSession : XmlBinaryWriterSession
    {
        readonly List<XmlDictionaryString> added = new List<XmlDictionaryString>();

        /// <summary>All strings added so far, in id order.</summary>
        public IList<XmlDictionaryString> Added { get { return added; } }

        public override bool TryAdd(XmlDictionaryString value, out int key)
        {
            if (!base.TryAdd(value, out key))
                return false;
            added.Add(value);
            return true;
        }
    }

    /// <summary>
    /// A "name" script field: "s:<b64>" (plain string), "d:<b64>" (an
    /// XmlDictionaryString) or "-" (null; an extension for null namespaces).
    /// </summary>
    public struct NameField
    {
        public readonly bool IsDictionary;
        public readonly string Text; // null for "-"

        NameField(bool isDictionary, string text)
        {
            IsDictionary = isDictionary;
            Text = text;
        }

        public static NameField Parse(string field)
        {
            if (field == "-")
                return new NameField(false, null);
            if (field.StartsWith("s:", StringComparison.Ordinal))
                return new NameField(false, Codec.DecodeB64Text(field.Substring(2)));
            if (field.StartsWith("d:", StringComparison.Ordinal))
                return new NameField(true, Codec.DecodeB64Text(field.Substring(2)));
            throw new ScriptException("bad name field '" + field + "' (expected s:<b64>, d:<b64> or -)");
        }
    }

    /// <summary>Executes a write script, one output line per document.</summary>
    public sealed class WriteCommand
    {
        readonly XmlDictionary staticDictionary;

        // Per-run dictionary for d: names that are not in the static
        // dictionary. It is never given to the writer, so the writer has to
        // put such strings into the session or write them inline (as WCF does).
        readonly XmlDictionary otherDictionary = new XmlDictionary();

        // One session shared, in order, by all "session" documents of the run.
        readonly RecordingWriterSession session = new RecordingWriterSession();

        readonly TextWriter output;

        // State of the document being written (stream == null: no document yet).
        string mode;
        MemoryStream stream;
        XmlDictionaryWriter writer;
        int sessionCountAtStart;  // session.Added.Count when the document started
        Exception failure;        // first exception of this document, if any

        public WriteCommand(XmlDictionary staticDictionary, TextWriter output)
        {
            this.staticDictionary = staticDictionary;
            this.output = output;
        }

        public void Run(TextReader script)
        {
            string line;
            int lineNo = 0;
            while ((line = script.ReadLine()) != null)
            {
                lineNo++;
                if (line.EndsWith("\r", StringComparison.Ordinal))
                    line = line.Substring(0, line.Length - 1);
                if (line.Length == 0)
                    continue;

                string[] f = line.Split('\t');
                if (f[0] == "DOC")
                {
                    FinishDocument();
                    StartDocument(f);
                    continue;
                }
                if (stream == null)
                    throw new SetupException(string.Format("script line {0}: '{1}' before the first DOC", lineNo, f[0]));
                if (failure != null)
                    continue; // the document already failed; skip to the next DOC

                try
                {
                    Execute(f);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            }
            FinishDocument();
        }

        void StartDocument(string[] f)
        {
            mode = Field(f, 1, "DOC");
            stream = new MemoryStream();
            writer = null;
            failure = null;
            sessionCountAtStart = session.Added.Count;
            try
            {
                switch (mode)
                {
                    case "nbfx": writer = XmlDictionaryWriter.CreateBinaryWriter(stream); break;
                    case "nbfs": writer = XmlDictionaryWriter.CreateBinaryWriter(stream, staticDictionary); break;
                    case "session": writer = XmlDictionaryWriter.CreateBinaryWriter(stream, staticDictionary, session); break;
                    default: throw new ScriptException("unknown DOC mode '" + mode + "'");
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        }

        /// <summary>Flushes the current document (if any) and prints its line.</summary>
        void FinishDocument()
        {
            if (stream == null)
                return;
            string result;
            if (failure != null)
            {
                result = Codec.ErrorLine(failure);
            }
            else
            {
                try
                {
                    // No WriteEndDocument: the test suite closes what it wants closed.
                    writer.Flush();
                    var bytes = new MemoryStream();
                    if (mode == "session")
                        WriteStringTable(bytes);
                    stream.WriteTo(bytes);
                    result = Codec.ToHex(bytes.ToArray());
                }
                catch (Exception e)
                {
                    result = Codec.ErrorLine(e);
                }
            }
            output.WriteLine(result);
            output.Flush();
            stream = null;
            writer = null;
        }

        /// <summary>
        /// [MC-NBFSE] prefix: MB31(total size) then, for every string the
        /// session gained during this document, MB31(UTF-8 length) + UTF-8.
        /// </summary>
        void WriteStringTable(MemoryStream target)
        {
            var table = new MemoryStream();
            for (int i = sessionCountAtStart; i < session.Added.Count; i++)
            {
                byte[] utf8 = Encoding.UTF8.GetBytes(session.Added[i].Value);
                Codec.WriteMb31(table, utf8.Length);
                table.Write(utf8, 0, utf8.Length);
            }
            Codec.WriteMb31(target, (int)table.Length);
            table.WriteTo(target);
        }

        /// <summary>Runs one script command (everything except DOC).</summary>
        void Execute(string[] f)
        {
            switch (f[0])
            {
                case "SE":
                {
                    string prefix = Prefix(Field(f, 1, "SE"));
                    NameField local = NameField.Parse(Field(f, 2, "SE"));
                    NameField ns = NameField.Parse(Field(f, 3, "SE"));
                    if (local.IsDictionary || ns.IsDictionary)
                        writer.WriteStartElement(prefix, ToDictionaryString(local), ToDictionaryString(ns));
                    else
                        writer.WriteStartElement(prefix, local.Text, ns.Text);
                    break;
                }
                case "EE":
                    writer.WriteEndElement();
                    break;
                case "AT":
                {
                    string prefix = Prefix(Field(f, 1, "AT"));
                    NameField local = NameField.Parse(Field(f, 2, "AT"));
                    NameField ns = NameField.Parse(Field(f, 3, "AT"));
                    if (local.IsDictionary || ns.IsDictionary)
                        writer.WriteStartAttribute(prefix, ToDictionaryString(local), ToDictionaryString(ns));
                    else
                        writer.WriteStartAttribute(prefix, local.Text, ns.Text);
                    if (f.Length > 4)
                        WriteContent(f, 4); // no value kind: empty attribute
                    writer.WriteEndAttribute();
                    break;
                }
                case "XN":
                {
                    string prefix = Prefix(Field(f, 1, "XN"));
                    NameField ns = NameField.Parse(Field(f, 2, "XN"));
                    if (ns.IsDictionary)
                        writer.WriteXmlnsAttribute(prefix, ToDictionaryString(ns));
                    else
                        writer.WriteXmlnsAttribute(prefix, ns.Text);
                    break;
                }
                case "TX":
                    WriteContent(f, 1);
                    break;
                case "CM":
                    writer.WriteComment(Codec.DecodeB64Text(Field(f, 1, "CM")));
                    break;
                case "AR":
                    WriteArray(f);
                    break;
                case "FL":
                    writer.Flush();
                    break;
                default:
                    throw new ScriptException("unknown command '" + f[0] + "'");
            }
        }

        /// <summary>
        /// Writes a value: f[at] is the kind, the value field(s) follow.
        /// Shared by TX and AT.
        /// </summary>
        void WriteContent(string[] f, int at)
        {
            string kind = Field(f, at, "value kind");
            string value = Field(f, at + 1, kind);
            switch (kind)
            {
                case "str":
                    writer.WriteString(Codec.DecodeB64Text(value));
                    break;
                case "dstr":
                {
                    NameField name = NameField.Parse(value);
                    if (name.IsDictionary)
                        writer.WriteString(ToDictionaryString(name));
                    else
                        writer.WriteString(name.Text);
                    break;
                }
                case "b64":
                {
                    byte[] bytes = Convert.FromBase64String(value);
                    writer.WriteBase64(bytes, 0, bytes.Length);
                    break;
                }
                case "qn":
                {
                    NameField local = NameField.Parse(value);
                    NameField ns = NameField.Parse(Field(f, at + 2, kind));
                    if (local.IsDictionary || ns.IsDictionary)
                        writer.WriteQualifiedName(ToDictionaryString(local), ToDictionaryString(ns));
                    else
                        writer.WriteQualifiedName(local.Text, ns.Text);
                    break;
                }
                case "list":
                    // An object[] passed as object: the binary writer emits
                    // StartListText, one record per item, EndListText.
                    // (Observed on Mono 6.8: inside an attribute, string
                    // items are silently dropped from the list.)
                    writer.WriteValue((object)ParseList(value));
                    break;
                default:
                    WriteScalar(kind, value);
                    break;
            }
        }

        /// <summary>Calls the typed WriteValue overload for a scalar kind.</summary>
        void WriteScalar(string kind, string text)
        {
            object value = Scalars.Parse(kind, text);
            switch (kind)
            {
                case "i32": writer.WriteValue((int)value); break;
                case "i64": writer.WriteValue((long)value); break;
                // XmlWriter has no WriteValue(ulong); the boxed value reaches
                // the binary writer's UInt64 path through WriteValue(object).
                case "u64": writer.WriteValue(value); break;
                case "f32": writer.WriteValue((float)value); break;
                case "f64": writer.WriteValue((double)value); break;
                case "dec": writer.WriteValue((decimal)value); break;
                case "bool": writer.WriteValue((bool)value); break;
                case "dt": writer.WriteValue((DateTime)value); break;
                case "ts": writer.WriteValue((TimeSpan)value); break;
                case "guid": writer.WriteValue((Guid)value); break;
                case "uid": writer.WriteValue((UniqueId)value); break;
                default: throw new ScriptException("unknown value kind '" + kind + "'");
            }
        }

        /// <summary>"kind:value,kind:value,..." → boxed items ("" → no items).</summary>
        static object[] ParseList(string text)
        {
            if (text.Length == 0)
                return new object[0];
            string[] items = text.Split(',');
            var values = new object[items.Length];
            for (int i = 0; i < items.Length; i++)
            {
                int colon = items[i].IndexOf(':');
                if (colon < 0)
                    throw new ScriptException("list item '" + items[i] + "' is not <kind>:<value>");
                values[i] = Scalars.Parse(items[i].Substring(0, colon), items[i].Substring(colon + 1));
            }
            return values;
        }

        /// <summary>AR: WriteArray(prefix, local, ns, T[], 0, length) for the given element type.</summary>
        void WriteArray(string[] f)
        {
            string prefix = Prefix(Field(f, 1, "AR"));
            NameField local = NameField.Parse(Field(f, 2, "AR"));
            NameField ns = NameField.Parse(Field(f, 3, "AR"));
            string type = Field(f, 4, "AR");
            string values = Field(f, 5, "AR");

            // Each call passes both WriteArray overloads (string names and
            // XmlDictionaryString names); C# picks the one matching T.
            XmlDictionaryWriter w = writer;
            switch (type)
            {
                case "bool": WriteArrayOf<bool>(prefix, local, ns, type, values, w.WriteArray, w.WriteArray); break;
                case "i16": WriteArrayOf<short>(prefix, local, ns, type, values, w.WriteArray, w.WriteArray); break;
                case "i32": WriteArrayOf<int>(prefix, local, ns, type, values, w.WriteArray, w.WriteArray); break;
                case "i64": WriteArrayOf<long>(prefix, local, ns, type, values, w.WriteArray, w.WriteArray); break;
                case "f32": WriteArrayOf<float>(prefix, local, ns, type, values, w.WriteArray, w.WriteArray); break;
                case "f64": WriteArrayOf<double>(prefix, local, ns, type, values, w.WriteArray, w.WriteArray); break;
                case "dec": WriteArrayOf<decimal>(prefix, local, ns, type, values, w.WriteArray, w.WriteArray); break;
                case "dt": WriteArrayOf<DateTime>(prefix, local, ns, type, values, w.WriteArray, w.WriteArray); break;
                case "ts": WriteArrayOf<TimeSpan>(prefix, local, ns, type, values, w.WriteArray, w.WriteArray); break;
                case "guid": WriteArrayOf<Guid>(prefix, local, ns, type, values, w.WriteArray, w.WriteArray); break;
                default: throw new ScriptException("unknown array type '" + type + "'");
            }
        }

        delegate void ArrayWriter<TName, T>(string prefix, TName localName, TName namespaceUri, T[] array, int offset, int count);

        void WriteArrayOf<T>(string prefix, NameField local, NameField ns, string type, string csv,
                             ArrayWriter<string, T> plain, ArrayWriter<XmlDictionaryString, T> dictionary)
        {
            string[] items = csv.Length == 0 ? new string[0] : csv.Split(',');
            var array = new T[items.Length];
            for (int i = 0; i < items.Length; i++)
                array[i] = (T)Scalars.Parse(type, items[i]);

            if (local.IsDictionary || ns.IsDictionary)
                dictionary(prefix, ToDictionaryString(local), ToDictionaryString(ns), array, 0, array.Length);
            else
                plain(prefix, local.Text, ns.Text, array, 0, array.Length);
        }

        /// <summary>
        /// The static dictionary's entry if the text is in it, otherwise the
        /// "other" dictionary's (created on first use). Used for d: names and
        /// for s: names that share a call with a d: name. null stays null.
        /// </summary>
        XmlDictionaryString ToDictionaryString(NameField name)
        {
            if (name.Text == null)
                return null;
            XmlDictionaryString result;
            if (staticDictionary.TryLookup(name.Text, out result))
                return result;
            return otherDictionary.Add(name.Text);
        }

        /// <summary>Prefix field: "-" → null, otherwise base64 of UTF-8 ("" → "").</summary>
        static string Prefix(string field)
        {
            return field == "-" ? null : Codec.DecodeB64Text(field);
        }

        static string Field(string[] f, int index, string what)
        {
            if (index >= f.Length)
                throw new ScriptException(string.Format("{0}: missing field {1}", what, index));
            return f[index];
        }
    }

    /// <summary>Parsing of the scalar value formats used by TX, AT, list and AR.</summary>
    public static class Scalars
    {
        static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

        /// <summary>Parses one value of the given kind into its boxed .NET type.</summary>
        public static object Parse(string kind, string text)
        {
            switch (kind)
            {
                case "i16": return short.Parse(text, NumberStyles.AllowLeadingSign, Inv);
                case "i32": return int.Parse(text, NumberStyles.AllowLeadingSign, Inv);
                case "i64": return long.Parse(text, NumberStyles.AllowLeadingSign, Inv);
                case "u64": return ulong.Parse(text, NumberStyles.None, Inv);
                case "f32": return BitConverter.ToSingle(BitConverter.GetBytes((uint)HexBits(text, 8)), 0);
                case "f64": return BitConverter.Int64BitsToDouble((long)HexBits(text, 16));
                // decimal.Parse keeps the scale: "-12.340" has scale 3.
                case "dec": return decimal.Parse(text, NumberStyles.Number | NumberStyles.AllowExponent, Inv);
                case "bool":
                    if (text == "true") return true;
                    if (text == "false") return false;
                    throw new ScriptException("bad bool '" + text + "'");
                case "dt": return ParseDateTime(text);
                case "ts": return new TimeSpan(long.Parse(text, NumberStyles.AllowLeadingSign, Inv));
                case "guid": return new Guid(text);
                case "uid": return new UniqueId(new Guid(text));
                case "str": return Codec.DecodeB64Text(text);
                default: throw new ScriptException("unknown value kind '" + kind + "'");
            }
        }

        /// <summary>Exactly <paramref name="digits"/> hex digits → the bit pattern.</summary>
        static ulong HexBits(string text, int digits)
        {
            if (text.Length != digits)
                throw new ScriptException(string.Format("expected {0} hex digits, got '{1}'", digits, text));
            return ulong.Parse(text, NumberStyles.AllowHexSpecifier, Inv);
        }

        /// <summary>"&lt;ticks&gt;:&lt;U|Z|L&gt;" → DateTime with Unspecified/Utc/Local kind.</summary>
        static DateTime ParseDateTime(string text)
        {
            int colon = text.LastIndexOf(':');
            if (colon < 0)
                throw new ScriptException("bad dt '" + text + "' (expected <ticks>:<U|Z|L>)");
            long ticks = long.Parse(text.Substring(0, colon), NumberStyles.None, Inv);
            switch (text.Substring(colon + 1))
            {
                case "U": return new DateTime(ticks, DateTimeKind.Unspecified);
                case "Z": return new DateTime(ticks, DateTimeKind.Utc);
                case "L": return new DateTime(ticks, DateTimeKind.Local);
                default: throw new ScriptException("bad dt kind in '" + text + "'");
            }
        }
    }

    // ------------------------------------------------------------------
    // read
    // ------------------------------------------------------------------

    /// <summary>Reads hex documents and prints their canonical event streams.</summary>
    public sealed class ReadCommand
    {
        readonly string mode;
        readonly XmlDictionary staticDictionary;
        readonly TextWriter output;

        // Session mode: one reader session for the whole run; string table
        // entries get ids 0, 1, 2, ... in arrival order across all documents.
        readonly XmlBinaryReaderSession session = new XmlBinaryReaderSession();
        int nextSessionId;

        const string WcfQuotas = "+wcf";
        readonly bool wcfQuotas;

        public static bool IsMode(string mode)
        {
            if (mode.EndsWith(WcfQuotas))
                mode = mode.Substring(0, mode.Length - WcfQuotas.Length);
            return mode == "nbfx" || mode == "nbfs" || mode == "session";
        }

        public ReadCommand(string mode, XmlDictionary staticDictionary, TextWriter output)
        {
            this.wcfQuotas = mode.EndsWith(WcfQuotas);
            this.mode = wcfQuotas ? mode.Substring(0, mode.Length - WcfQuotas.Length) : mode;
            this.staticDictionary = staticDictionary;
            this.output = output;
        }

        public void Run(TextReader input)
        {
            string line;
            while ((line = input.ReadLine()) != null)
            {
                // Events are printed as they are produced; if the reader
                // throws, whatever was printed is followed by the ERR line.
                try
                {
                    ReadDocument(Codec.FromHex(line.Trim()));
                }
                catch (Exception e)
                {
                    output.WriteLine(Codec.ErrorLine(e));
                }
                output.WriteLine("END");
                output.Flush();
            }
        }

        void ReadDocument(byte[] bytes)
        {
            XmlDictionaryReaderQuotas quotas =
                wcfQuotas ? new XmlDictionaryReaderQuotas() : XmlDictionaryReaderQuotas.Max;
            XmlDictionaryReader reader;
            switch (mode)
            {
                case "nbfx":
                    reader = XmlDictionaryReader.CreateBinaryReader(bytes, 0, bytes.Length, quotas);
                    break;
                case "nbfs":
                    reader = XmlDictionaryReader.CreateBinaryReader(bytes, 0, bytes.Length, staticDictionary, quotas);
                    break;
                default:
                {
                    int offset = ReadStringTable(bytes);
                    reader = XmlDictionaryReader.CreateBinaryReader(bytes, offset, bytes.Length - offset,
                                                                    staticDictionary, quotas, session);
                    break;
                }
            }

            using (reader)
            {
                while (reader.Read())
                    PrintNode(reader);
            }
        }

        /// <summary>
        /// Parses the [MC-NBFSE] string table at the start of a session-mode
        /// document, adds its strings to the session and returns the offset of
        /// the NBFX data that follows.
        /// </summary>
        int ReadStringTable(byte[] bytes)
        {
            int pos = 0;
            int size = Codec.ReadMb31(bytes, ref pos, bytes.Length);
            if (size > bytes.Length - pos)
                throw new FormatException("string table size exceeds the document");
            int end = pos + size;

            // Parse everything first so a malformed table adds nothing.
            var strings = new List<string>();
            var utf8 = new UTF8Encoding(false, true);
            while (pos < end)
            {
                int length = Codec.ReadMb31(bytes, ref pos, end);
                if (length > end - pos)
                    throw new FormatException("string table entry exceeds the table");
                strings.Add(utf8.GetString(bytes, pos, length));
                pos += length;
            }
            foreach (string s in strings)
                session.Add(nextSessionId++, s);
            return end;
        }

        /// <summary>Prints the canonical event line(s) for the current node.</summary>
        void PrintNode(XmlDictionaryReader reader)
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    Emit("SE", B64(reader.Prefix), B64(reader.LocalName), B64(reader.NamespaceURI));
                    if (reader.MoveToFirstAttribute())
                    {
                        do
                        {
                            Emit("AT", B64(reader.Prefix), B64(reader.LocalName), B64(reader.NamespaceURI),
                                 B64(reader.Value));
                        } while (reader.MoveToNextAttribute());
                        reader.MoveToElement();
                    }
                    if (reader.IsEmptyElement)
                        Emit("EE");
                    break;
                case XmlNodeType.EndElement:
                    Emit("EE");
                    break;
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.Whitespace:
                case XmlNodeType.SignificantWhitespace:
                    // ValueType is typed (Int32, Double, ...) only when the
                    // text record also ends the element; otherwise String.
                    Emit("TX", reader.ValueType.Name, B64(reader.Value));
                    break;
                case XmlNodeType.Comment:
                    Emit("CM", B64(reader.Value));
                    break;
                default:
                    Emit("OT", reader.NodeType.ToString(), B64(reader.Value));
                    break;
            }
        }

        void Emit(params string[] fields)
        {
            output.WriteLine(string.Join("\t", fields));
        }

        static string B64(string text)
        {
            return Codec.EncodeB64Text(text);
        }
    }
}
