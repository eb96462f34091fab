// ClientHarness.cs: what every WCF client program of the interop suite shares: the command line
// (<scenario> <text|binary> <ws://host:port>), the PASS/FAIL verdict and exit code, checks, and
// the binding (text or binary session over the WebSocket shim in SoapWsTransport.cs).

using System;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.Text;

namespace SoapWs
{
    public static class ClientHarness
    {
        /// <summary>Open, send, receive, close and operation timeout of every client.</summary>
        public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

        /// <summary>A check that did not hold.</summary>
        public sealed class Failure : Exception
        {
            public Failure(string message) : base(message) { }
        }

        /// <summary>
        /// Runs `run(scenario, encoding, baseUrl)` from the command line: prints "PASS scenario
        /// encoding", or "FAIL ..." on stderr and exits 1 (2 for a bad command line). The verdict is
        /// printed by then, so the process ends without Mono's runtime shutdown (see ProcessExit).
        /// </summary>
        public static int Main(string program, string scenarios, string[] args, Action<string, string, string> run)
        {
            return ProcessExit.Now(Run(program, scenarios, args, run));
        }

        static int Run(string program, string scenarios, string[] args, Action<string, string, string> run)
        {
            if (args.Length != 3 || (args[1] != "text" && args[1] != "binary"))
            {
                Console.Error.WriteLine("usage: " + program + " " + scenarios + " <text|binary> <ws://host:port>");
                return 2;
            }
            string scenario = args[0], encoding = args[1], baseUrl = args[2].TrimEnd('/');
            try
            {
                run(scenario, encoding, baseUrl);
            }
            catch (Exception e)
            {
                Console.Error.WriteLine("FAIL " + scenario + " " + encoding + ": " + e);
                Console.Out.Flush();
                return 1;
            }
            Console.WriteLine("PASS " + scenario + " " + encoding);
            return 0;
        }

        /// <summary>Fails the scenario unless `ok`; prints "ok what" when it holds.</summary>
        public static void Check(bool ok, string what)
        {
            if (!ok)
                throw new Failure(what);
            Console.WriteLine("ok " + what);
        }

        /// <summary>Text (SOAP 1.2 + WS-Addressing 1.0) or binary session over the WebSocket shim,
        /// announcing `contentTypeOverride` in the handshake when given.</summary>
        public static Binding MakeBinding(string encoding, string contentTypeOverride = null)
        {
            MessageEncodingBindingElement e = encoding == "binary"
                ? (MessageEncodingBindingElement)new BinaryMessageEncodingBindingElement()
                : new TextMessageEncodingBindingElement(MessageVersion.Soap12WSAddressing10, Encoding.UTF8);
            var transport = new WebSocketTransportBindingElement { SoapContentTypeOverride = contentTypeOverride };
            return new CustomBinding(e, transport)
            {
                OpenTimeout = CallTimeout, SendTimeout = CallTimeout, ReceiveTimeout = CallTimeout, CloseTimeout = CallTimeout,
            };
        }

        /// <summary>A channel of `factory` whose calls time out after CallTimeout.</summary>
        public static T Proxy<T>(ChannelFactory<T> factory)
        {
            T proxy = factory.CreateChannel();
            ((IContextChannel)proxy).OperationTimeout = CallTimeout;
            return proxy;
        }
    }
}
