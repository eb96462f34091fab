// PushClients.cs: real WCF clients (Mono's DuplexChannelFactory<T>, InstanceContext,
// ChannelFactory<T>, DataContractSerializer, the Stream formatter) of the soapws example services
// for dotnet/wcf's WebSocket scenario contracts (wsdl/websocket-scenarios.wsdl), over the
// [MS-SWSB] transport in SoapWsTransport.cs. Called from CalculatorClients.cs's Main:
//
//   push           IWSDuplexService at /push with callbacks through IPushCallback: data and
//                  streams both ways, pushed data and streams until told to stop, the log as a
//                  callback
//   request-reply  IWSRequestReplyService at /request-reply: data and streams both ways, the log
//                  as a reply (one log per service: run against a fresh server)
//
// The contracts are declared as .NET declares them (System.IO.Stream parameters, List<string>).

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.Text;
using System.Threading;

namespace WebSocketScenarios
{
    [ServiceContract(Namespace = "http://tempuri.org/", CallbackContract = typeof(IPushCallback))]
    public interface IWSDuplexService
    {
        [OperationContract] string GetExceptionString();
        [OperationContract] void UploadData(string data);
        [OperationContract] string DownloadData();
        [OperationContract(IsOneWay = true)] void UploadStream(Stream stream);
        [OperationContract] Stream DownloadStream();
        [OperationContract(IsOneWay = true)] void StartPushingData();
        [OperationContract(IsOneWay = true)] void StopPushingData();
        [OperationContract(IsOneWay = true)] void StartPushingStream();
        [OperationContract(IsOneWay = true)] void StopPushingStream();
        [OperationContract(IsOneWay = true)] void GetLog();
    }

    // .NET names callback actions after the service contract (IWSDuplexService/ReceiveData), as
    // the WSDL does; spelled out so the test does not depend on Mono's defaulting.
    [ServiceContract(Namespace = "http://tempuri.org/")]
    public interface IPushCallback
    {
        [OperationContract(IsOneWay = true, Action = "http://tempuri.org/IWSDuplexService/ReceiveData")]
        void ReceiveData(string data);

        [OperationContract(IsOneWay = true, Action = "http://tempuri.org/IWSDuplexService/ReceiveStream")]
        void ReceiveStream(Stream stream);

        [OperationContract(IsOneWay = true, Action = "http://tempuri.org/IWSDuplexService/ReceiveLog")]
        void ReceiveLog(List<string> log);
    }

    [ServiceContract(Namespace = "http://tempuri.org/")]
    public interface IWSRequestReplyService
    {
        [OperationContract] string DownloadData();
        [OperationContract] void UploadData(string data);
        [OperationContract] Stream DownloadStream();
        [OperationContract] void UploadStream(Stream stream);
        [OperationContract] List<string> GetLog();
    }

    /// <summary>Records callbacks in arrival order, each in its own queue.</summary>
    public class PushRecorder : IPushCallback
    {
        public readonly BlockingCollection<string> Data = new BlockingCollection<string>();
        public readonly BlockingCollection<byte[]> Streams = new BlockingCollection<byte[]>();
        public readonly BlockingCollection<List<string>> Logs = new BlockingCollection<List<string>>();

        public void ReceiveData(string data) { Data.Add(data); }

        public void ReceiveStream(Stream stream) { Streams.Add(PushClients.ReadAll(stream)); }

        public void ReceiveLog(List<string> log) { Logs.Add(log); }
    }

    public static class PushClients
    {
        static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

        /// <summary>The text the service's DownloadData answers (soapws_examples::DOWNLOAD_DATA).</summary>
        const string DownloadText = "Data from the soapws service: the quick brown fox jumps over the lazy dog";

        const int StreamLen = 8192;

        /// <summary>Runs a scenario; false when the name is not one of these.</summary>
        public static bool TryRun(string scenario, Binding binding, string baseUrl, Action<bool, string> check)
        {
            switch (scenario)
            {
                case "push": Push(binding, baseUrl, check); return true;
                case "request-reply": RequestReply(binding, baseUrl, check); return true;
                default: return false;
            }
        }

        public static byte[] ReadAll(Stream stream)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            stream.Close();
            return copy.ToArray();
        }

        /// <summary>The service's stream pattern: bytes i as u8 for i in 0..len.</summary>
        static byte[] Pattern(int len)
        {
            var b = new byte[len];
            for (int i = 0; i < len; i++)
                b[i] = (byte)i;
            return b;
        }

        static bool IsPattern(byte[] b, int len)
        {
            if (b == null || b.Length != len)
                return false;
            for (int i = 0; i < len; i++)
                if (b[i] != (byte)i)
                    return false;
            return true;
        }

        static string Describe(byte[] b)
        {
            if (b == null)
                return "null";
            var s = new StringBuilder(b.Length + " bytes");
            for (int i = 0; i < Math.Min(8, b.Length); i++)
                s.Append(i == 0 ? ": " : " ").Append(b[i].ToString("x2"));
            return s.ToString();
        }

        static T Take<T>(BlockingCollection<T> queue, string what)
        {
            T got;
            if (!queue.TryTake(out got, CallTimeout))
                throw new TimeoutException(what + ": no callback within " + CallTimeout);
            return got;
        }

        static readonly string[] PushLog =
        {
            "UploadData: 3000 chars",
            "DownloadData",
            "UploadStream: 5000 bytes",
            "DownloadStream",
            "StartPushingData",
            "StopPushingData (was pushing: true)",
            "StartPushingStream",
            "StopPushingStream (was pushing: true)",
        };

        static void Push(Binding binding, string baseUrl, Action<bool, string> check)
        {
            var recorder = new PushRecorder();
            var factory = new DuplexChannelFactory<IWSDuplexService>(new InstanceContext(recorder), binding,
                new EndpointAddress(baseUrl + "/push"));
            IWSDuplexService proxy = factory.CreateChannel();
            ((IContextChannel)proxy).OperationTimeout = CallTimeout;

            proxy.UploadData(new string('a', 3000));
            check(true, "UploadData(3000 chars)");
            string text = proxy.DownloadData();
            check(text == DownloadText, "DownloadData() = " + text);
            proxy.UploadStream(new MemoryStream(Pattern(5000)));
            check(true, "UploadStream(5000 bytes) sent");
            byte[] down = ReadAll(proxy.DownloadStream());
            check(IsPattern(down, StreamLen), "DownloadStream() = " + Describe(down));

            proxy.StartPushingData();
            var pushed = new List<string>();
            for (int i = 0; i < 3; i++)
                pushed.Add(Take(recorder.Data, "ReceiveData " + i));
            check(pushed[0] == "push 0" && pushed[1] == "push 1" && pushed[2] == "push 2",
                "StartPushingData -> ReceiveData(" + string.Join(", ", pushed) + ")");
            proxy.StopPushingData();

            proxy.StartPushingStream();
            byte[] first = Take(recorder.Streams, "ReceiveStream");
            check(IsPattern(first, StreamLen), "StartPushingStream -> ReceiveStream(" + Describe(first) + ")");
            proxy.StopPushingStream();

            // One-way operations are dispatched concurrently (soapws runs a connection's
            // requests in parallel, as WCF does with ConcurrencyMode.Multiple), so the last ones
            // may still be running when GetLog is: ask again until every entry is there, and
            // compare the entries in any order.
            List<string> log = null;
            for (int attempt = 0; attempt < 50; attempt++)
            {
                proxy.GetLog();
                log = Take(recorder.Logs, "ReceiveLog");
                if (log == null || log.Count >= PushLog.Length)
                    break;
                Thread.Sleep(100);
            }
            bool same = log != null && log.Count == PushLog.Length;
            if (same)
            {
                var expected = new List<string>(PushLog);
                var got = new List<string>(log);
                expected.Sort(StringComparer.Ordinal);
                got.Sort(StringComparer.Ordinal);
                for (int i = 0; same && i < expected.Count; i++)
                    same = got[i] == expected[i];
            }
            if (!same && log != null)
                foreach (string line in log)
                    Console.Error.WriteLine("log: " + line);
            check(same, "GetLog -> ReceiveLog(" + (log == null ? "null" : log.Count + " lines") + ")");
            Console.WriteLine("pushed after stop: " + recorder.Data.Count + " data, " + recorder.Streams.Count + " stream(s) queued");

            // As for the duplex calculator: Mono's duplex proxy may time out closing after the
            // WebSocket closed cleanly.
            try
            {
                ((IClientChannel)proxy).Close(TimeSpan.FromSeconds(1));
            }
            catch (TimeoutException)
            {
            }
            Console.WriteLine("ok push proxy closed");
        }

        static readonly string[] RequestReplyLog =
        {
            "UploadData: 3000 chars",
            "DownloadData",
            "UploadStream: 5000 bytes",
            "DownloadStream",
        };

        static void RequestReply(Binding binding, string baseUrl, Action<bool, string> check)
        {
            var factory = new ChannelFactory<IWSRequestReplyService>(binding, new EndpointAddress(baseUrl + "/request-reply"));
            IWSRequestReplyService proxy = factory.CreateChannel();
            ((IContextChannel)proxy).OperationTimeout = CallTimeout;

            proxy.UploadData(new string('a', 3000));
            check(true, "UploadData(3000 chars)");
            string text = proxy.DownloadData();
            check(text == DownloadText, "DownloadData() = " + text);
            proxy.UploadStream(new MemoryStream(Pattern(5000)));
            check(true, "UploadStream(5000 bytes)");
            byte[] down = ReadAll(proxy.DownloadStream());
            check(IsPattern(down, StreamLen), "DownloadStream() = " + Describe(down));
            List<string> log = proxy.GetLog();
            bool same = log != null && log.Count == RequestReplyLog.Length;
            for (int i = 0; same && i < RequestReplyLog.Length; i++)
                same = log[i] == RequestReplyLog[i];
            if (!same && log != null)
                foreach (string line in log)
                    Console.Error.WriteLine("log: " + line);
            check(same, "GetLog() = " + (log == null ? "null" : log.Count + " lines"));
            ((IClientChannel)proxy).Close();
            factory.Close();
        }
    }
}
