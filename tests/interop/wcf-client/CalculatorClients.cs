// CalculatorClients.cs: real WCF clients (Mono's ChannelFactory<T>, DuplexChannelFactory<T>,
// InstanceContext, DataContractSerializer, FaultException<T>) of the soapws example services,
// over the [MS-SWSB] transport in SoapWsTransport.cs.
//
//   mono CalculatorClients.exe <scenario> <text|binary> <base-url>
//
// base-url is the server's ws://host:port. Scenarios:
//   calculator   ICalculator: the WCF sample values, the declared MathFault, 200 sequential calls
//   duplex       ICalculatorDuplex with callbacks: Result 2, 42, 40, 10, then the Equation
//   concurrent   8 threads x 25 Multiply calls on ONE shared channel (see SoapWsTransport.cs:
//                replies are correlated by RelatesTo per calling thread)
//   close        open, call, Close() cleanly; prints "closed"
//   refused      handshake with soap-content-type application/soap+msbin1: ClientWebSocket
//                fails (and connects with the right type), the raw response head is
//                printed ("response: ..."), and the WCF proxy fails to open
//   server-close open, call, print "READY", wait for a line on stdin (the server shuts down
//                meanwhile), then the next call must fail with a CommunicationException
//
// Prints one line per check and "PASS <scenario> <encoding>" at the end; on a failed check
// prints "FAIL ..." to stderr and exits 1.

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Runtime.Serialization;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.Text;
using System.Threading;
using SoapWs;
using static SoapWs.ClientHarness;

namespace Microsoft.ServiceModel.Samples
{
    [ServiceContract(Namespace = "http://Microsoft.ServiceModel.Samples")]
    public interface ICalculator
    {
        [OperationContract] double Add(double n1, double n2);
        [OperationContract] double Subtract(double n1, double n2);
        [OperationContract] double Multiply(double n1, double n2);
        [OperationContract]
        [FaultContract(typeof(MathFault))]
        double Divide(double n1, double n2);
    }

    [DataContract(Namespace = "http://schemas.datacontract.org/2004/07/Microsoft.ServiceModel.Samples")]
    public class MathFault
    {
        [DataMember] public string Operation { get; set; }
        [DataMember] public string ProblemType { get; set; }
    }

    [ServiceContract(Namespace = "http://Microsoft.ServiceModel.Samples", SessionMode = SessionMode.Required,
        CallbackContract = typeof(ICalculatorDuplexCallback))]
    public interface ICalculatorDuplex
    {
        [OperationContract(IsOneWay = true)] void Clear();
        [OperationContract(IsOneWay = true)] void AddTo(double n);
        [OperationContract(IsOneWay = true)] void SubtractFrom(double n);
        [OperationContract(IsOneWay = true)] void MultiplyBy(double n);
        [OperationContract(IsOneWay = true)] void DivideBy(double n);
    }

    // WCF names callback actions after the service contract (ICalculatorDuplex/Result), as the
    // WSDL does; the actions are spelled out so the test does not depend on Mono's defaulting.
    [ServiceContract(Namespace = "http://Microsoft.ServiceModel.Samples")]
    public interface ICalculatorDuplexCallback
    {
        [OperationContract(IsOneWay = true, Action = "http://Microsoft.ServiceModel.Samples/ICalculatorDuplex/Result")]
        void Result(double result);

        [OperationContract(IsOneWay = true, Action = "http://Microsoft.ServiceModel.Samples/ICalculatorDuplex/Equation")]
        void Equation(string eqn);
    }

    /// <summary>Records callbacks in arrival order.</summary>
    public class CallbackRecorder : ICalculatorDuplexCallback
    {
        public readonly BlockingCollection<string> Seen = new BlockingCollection<string>();

        public void Result(double result) { Seen.Add("Result(" + result.ToString("R") + ")"); }

        public void Equation(string eqn) { Seen.Add("Equation(" + eqn + ")"); }
    }

    public static class Program
    {
        public static int Main(string[] args)
        {
            return ClientHarness.Main("CalculatorClients.exe", "<scenario>", args, (scenario, encoding, baseUrl) =>
            {
                Trace("start");
                switch (scenario)
                {
                    case "calculator": Calculator(encoding, baseUrl); break;
                    case "duplex": Duplex(encoding, baseUrl); break;
                    case "concurrent": Concurrent(encoding, baseUrl); break;
                    case "close": CloseByClient(encoding, baseUrl); break;
                    case "refused": Refused(encoding, baseUrl); break;
                    case "server-close": ServerClose(encoding, baseUrl); break;
                    default:
                        // push, request-reply: PushClients.cs
                        if (!WebSocketScenarios.PushClients.TryRun(scenario, MakeBinding(encoding), baseUrl, Check))
                            throw new Failure("unknown scenario " + scenario);
                        break;
                }
                Trace("end");
            });
        }

        static readonly System.Diagnostics.Stopwatch Clock = System.Diagnostics.Stopwatch.StartNew();

        /// <summary>ClientHarness.Check, with the check traced.</summary>
        static void Check(bool ok, string what)
        {
            ClientHarness.Check(ok, what);
            Trace("checked " + what);
        }

        /// <summary>Progress with timestamps, on stderr (the test shows it on failure or with --nocapture).</summary>
        static void Trace(string what)
        {
            Console.Error.WriteLine("[" + Clock.ElapsedMilliseconds + " ms] " + what);
        }

        static void Calculator(string encoding, string baseUrl)
        {
            var factory = new ChannelFactory<ICalculator>(MakeBinding(encoding), new EndpointAddress(baseUrl + "/calculator"));
            ICalculator calc = Proxy(factory);
            double n1 = 100, n2 = 15.99;
            double r = calc.Add(n1, n2);
            Check(r == n1 + n2, "Add(100, 15.99) = " + r.ToString("R"));
            r = calc.Subtract(n1, n2);
            Check(r == n1 - n2, "Subtract(100, 15.99) = " + r.ToString("R"));
            r = calc.Multiply(n1, n2);
            Check(r == n1 * n2, "Multiply(100, 15.99) = " + r.ToString("R"));
            r = calc.Divide(n1, n2);
            Check(r == n1 / n2, "Divide(100, 15.99) = " + r.ToString("R"));
            try
            {
                r = calc.Divide(1, 0);
                throw new Failure("Divide(1, 0) answered " + r + " instead of the MathFault");
            }
            catch (FaultException<MathFault> fault)
            {
                Check(fault.Detail.Operation == "Divide", "Divide(1, 0) faults: MathFault Operation = " + fault.Detail.Operation);
                Check(fault.Detail.ProblemType == "Division by zero", "MathFault ProblemType = " + fault.Detail.ProblemType);
            }
            Check(((IChannel)calc).State == CommunicationState.Opened, "channel still open after the fault");
            for (int i = 0; i < 200; i++)
            {
                r = calc.Add(i, 0.5);
                if (r != i + 0.5)
                    throw new Failure("sequential Add(" + i + ", 0.5) = " + r);
            }
            Console.WriteLine("ok 200 sequential Add calls");
            Trace("200 sequential calls done");
            ((IClientChannel)calc).Close();
            Trace("proxy closed");
            factory.Close();
        }

        static void Duplex(string encoding, string baseUrl)
        {
            var recorder = new CallbackRecorder();
            var factory = new DuplexChannelFactory<ICalculatorDuplex>(new InstanceContext(recorder), MakeBinding(encoding),
                new EndpointAddress(baseUrl + "/calculator-duplex"));
            ICalculatorDuplex calc = Proxy(factory);
            Action<string, Action, string> step = (name, call, expected) =>
            {
                call();
                string got;
                if (!recorder.Seen.TryTake(out got, CallTimeout))
                    throw new Failure(name + ": no callback within " + CallTimeout);
                Check(got == expected, name + " -> " + got);
            };
            step("AddTo(2)", () => calc.AddTo(2), "Result(2)");
            step("MultiplyBy(21)", () => calc.MultiplyBy(21), "Result(42)");
            step("SubtractFrom(2)", () => calc.SubtractFrom(2), "Result(40)");
            step("DivideBy(4)", () => calc.DivideBy(4), "Result(10)");
            step("Clear()", () => calc.Clear(), "Equation(0 + 2 * 21 - 2 / 4 = 10)");
            // Mono's duplex proxy waits on a handle nobody sets when closing, after the WebSocket
            // closed cleanly: a TimeoutException here is expected, anything else is not.
            try
            {
                ((IClientChannel)calc).Close(TimeSpan.FromSeconds(1));
            }
            catch (TimeoutException)
            {
            }
            Console.WriteLine("ok duplex proxy closed");
        }

        static void Concurrent(string encoding, string baseUrl)
        {
            var factory = new ChannelFactory<ICalculator>(MakeBinding(encoding), new EndpointAddress(baseUrl + "/calculator"));
            ICalculator calc = Proxy(factory);
            ((IClientChannel)calc).Open();
            const int threads = 8, calls = 25;
            var errors = new ConcurrentQueue<string>();
            var workers = new List<Thread>();
            int answered = 0;
            for (int t = 0; t < threads; t++)
            {
                int thread = t;
                var worker = new Thread(() =>
                {
                    for (int i = 0; i < calls; i++)
                    {
                        try
                        {
                            double n1 = thread * 1000 + i, n2 = thread + 2;
                            double r = calc.Multiply(n1, n2);
                            if (r != n1 * n2)
                                errors.Enqueue("Multiply(" + n1 + ", " + n2 + ") = " + r);
                            else
                                Interlocked.Increment(ref answered);
                        }
                        catch (Exception e)
                        {
                            errors.Enqueue(e.GetType().Name + ": " + e.Message);
                        }
                    }
                });
                workers.Add(worker);
                worker.Start();
            }
            foreach (Thread w in workers)
                w.Join();
            foreach (string e in errors)
                Console.Error.WriteLine("error: " + e);
            Check(errors.IsEmpty && answered == threads * calls,
                answered + " of " + threads * calls + " concurrent Multiply calls on one channel answered correctly");
            ((IClientChannel)calc).Close();
            factory.Close();
        }

        static void CloseByClient(string encoding, string baseUrl)
        {
            var factory = new ChannelFactory<ICalculator>(MakeBinding(encoding), new EndpointAddress(baseUrl + "/calculator"));
            ICalculator calc = Proxy(factory);
            Check(calc.Add(1, 2) == 3, "Add(1, 2) = 3");
            ((IClientChannel)calc).Close();
            Check(((IClientChannel)calc).State == CommunicationState.Closed, "proxy closed cleanly");
            factory.Close();
            Console.WriteLine("closed");
        }

        static void Refused(string encoding, string baseUrl)
        {
            const string wrong = "application/soap+msbin1";
            var uri = new Uri(baseUrl + "/calculator");
            // 1. ClientWebSocket, set up as WCF's transport would, with an encoding the endpoint
            //    does not accept. Mono's ClientWebSocket reports any non-101 answer as "Unable to
            //    connect to the remote server" without the status, hence step 3.
            try
            {
                ClientWebSocket socket = Handshake(uri, wrong, encoding);
                throw new Failure("the server accepted soap-content-type " + wrong + " (state " + socket.State + ")");
            }
            catch (WebSocketException e)
            {
                Check(true, "ClientWebSocket refused with " + wrong + ": " + e.Message);
            }
            // 2. Control: the same code with the session encoder's content type connects.
            string right = encoding == "binary" ? SoapWs.SoapWsCodec.SessionContentType : SoapWs.SoapWsCodec.TextContentType;
            ClientWebSocket good = Handshake(uri, right, encoding);
            Check(good.State == WebSocketState.Open && good.SubProtocol == "soap", "ClientWebSocket accepted with " + right);
            good.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).GetAwaiter().GetResult();
            // 3. The same refused request by hand, to see the status and headers.
            foreach (string line in RawHandshake(uri, wrong, encoding))
                Console.WriteLine("response: " + line);
            // 4. Through the WCF binding: the call fails at Open.
            var factory = new ChannelFactory<ICalculator>(MakeBinding(encoding, wrong), new EndpointAddress(uri));
            ICalculator calc = Proxy(factory);
            try
            {
                calc.Add(1, 2);
                throw new Failure("the WCF call over a refused handshake succeeded");
            }
            catch (EndpointNotFoundException e)
            {
                Check(true, "WCF proxy refused: " + e.GetType().Name);
            }
            ((IClientChannel)calc).Abort();
        }

        static ClientWebSocket Handshake(Uri uri, string contentType, string encoding)
        {
            var socket = new ClientWebSocket();
            socket.Options.AddSubProtocol("soap");
            socket.Options.SetRequestHeader("soap-content-type", contentType);
            if (encoding == "binary")
                socket.Options.SetRequestHeader("microsoft-binary-transfer-mode", "Buffered");
            socket.ConnectAsync(uri, CancellationToken.None).GetAwaiter().GetResult();
            return socket;
        }

        /// <summary>Sends the upgrade request ClientWebSocket sends; returns the response head's lines.</summary>
        static List<string> RawHandshake(Uri uri, string contentType, string encoding)
        {
            using (var tcp = new System.Net.Sockets.TcpClient(uri.Host, uri.Port))
            {
                tcp.ReceiveTimeout = 10000;
                var request = new StringBuilder();
                request.Append("GET " + uri.PathAndQuery + " HTTP/1.1\r\n");
                request.Append("Host: " + uri.Authority + "\r\n");
                request.Append("Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n");
                request.Append("Sec-WebSocket-Key: " + Convert.ToBase64String(Guid.NewGuid().ToByteArray()) + "\r\n");
                request.Append("soap-content-type: " + contentType + "\r\n");
                if (encoding == "binary")
                    request.Append("microsoft-binary-transfer-mode: Buffered\r\n");
                request.Append("Sec-WebSocket-Protocol: soap\r\n\r\n");
                byte[] bytes = Encoding.ASCII.GetBytes(request.ToString());
                var stream = tcp.GetStream();
                stream.Write(bytes, 0, bytes.Length);
                var reader = new System.IO.StreamReader(stream, Encoding.ASCII);
                var lines = new List<string>();
                for (string line = reader.ReadLine(); !string.IsNullOrEmpty(line); line = reader.ReadLine())
                    lines.Add(line);
                return lines;
            }
        }

        static void ServerClose(string encoding, string baseUrl)
        {
            var factory = new ChannelFactory<ICalculator>(MakeBinding(encoding), new EndpointAddress(baseUrl + "/calculator"));
            ICalculator calc = Proxy(factory);
            Check(calc.Add(1, 2) == 3, "Add(1, 2) = 3");
            Console.WriteLine("READY");
            Console.Out.Flush();
            string line = Console.In.ReadLine();
            Check(line == "go", "told the server has shut down");
            try
            {
                double r = calc.Add(3, 4);
                throw new Failure("a call after the server closed the session answered " + r);
            }
            catch (CommunicationException e)
            {
                Check(true, "call after server close fails: " + e.GetType().Name + ": " + e.Message);
            }
            ((IClientChannel)calc).Abort();
        }
    }
}
