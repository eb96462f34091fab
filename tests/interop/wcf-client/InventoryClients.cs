// InventoryClients.cs: a real WCF client (Mono's ChannelFactory<T>, message contracts, the
// XmlSerializer formatter) of the inventory sample (wsdl/inventory.wsdl), over the [MS-SWSB]
// transport in SoapWsTransport.cs.
//
//   mono InventoryClients.exe <scenario> <text|binary> <base-url>
//
// base-url is the server's ws://host:port. Scenarios:
//   inventory  IInventory at /inventory: AddItem with a Tenant header (ids 1 and 2), FindItems
//              with the Tenant and TraceId headers (the items with their choice, list and
//              [Flags] members; the Audit and TraceId reply headers), one-way Restock with its
//              header twice then FindItems (Restocked = 12), AddItem without a Tenant header (the
//              service's Sender fault)
//   pricing    IPricing at /pricing, bound rpc/literal: GetPrice("glass-7", 4) = 10, Fragile
//
// Prints one line per check and "PASS <scenario> <encoding>" at the end; on a failed check
// prints "FAIL ..." to stderr and exits 1. SOAPWS_MESSAGE_LOG=1 prints every request and reply
// as XML to stderr.
//
// The contracts are what svcutil generates for this WSDL: the schema has an xs:choice and
// xs:list types, which DataContractSerializer cannot import, so svcutil falls back to
// [XmlSerializerFormat], and the soap12:header bindings make every operation a message contract
// ([MessageContract], [MessageHeader], [MessageBodyMember]). Mono 6.8's XmlSerializer formatter
// (System.ServiceModel.Dispatcher.XmlMessagesFormatter) is incomplete in four ways, each worked
// around below where it matters and marked "Mono:":
//   1. request headers are written by BaseMessagesFormatter.CreateHeader with
//      MessageHeader.CreateHeader(name, ns, value), i.e. with DataContractSerializer, not with
//      XmlSerializer as .NET's XmlSerializerOperationFormatter does: a complex header type (Tenant)
//      also carries [DataContract]/[DataMember] so that it has the schema's shape either way;
//   2. reply headers are never read (MessageToHeaderObjects returns null, "FIXME: do we need
//      header serializers?"): the [MessageHeader] members of a reply stay null, so an
//      IClientMessageInspector keeps the reply's headers and they are read with XmlSerializer,
//      as .NET's formatter reads them;
//   3. a body member's [MessageBodyMember(Namespace)] is not passed to the XmlSerializer (the
//      members mapping takes the wrapper namespace, or none when unwrapped): members that are not
//      in the wrapper's namespace say so with [XmlElement(Namespace | Form)];
//   4. [XmlSerializerFormat(Style = Rpc)] is ignored (OperationFormatter is built with
//      isRpc = false), which for rpc/literal makes no difference on the wire once the parts are
//      declared unqualified (3.).
// And outside the formatter: Mono's ClientRuntimeChannel gives one-way messages a MessageID and a
// ReplyTo (.NET does not), so the server cannot tell them from requests; see scenario 3.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Serialization;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.ServiceModel.Description;
using System.ServiceModel.Dispatcher;
using System.Text;
using System.Xml;
using System.Xml.Schema;
using System.Xml.Serialization;
using SoapWs;
using static SoapWs.ClientHarness;

namespace Inventory
{
    static class Ns
    {
        public const string Inventory = "http://soapws.example/inventory";
        public const string Pricing = "http://soapws.example/pricing";
    }

    // ---- the schema's types, as svcutil (XmlSchemaImporter) generates them ----

    /// <summary>ItemFlags: a list of an anonymous enumeration, i.e. a [Flags] enum.</summary>
    [Flags]
    [XmlType(Namespace = Ns.Inventory)]
    public enum ItemFlags
    {
        Fragile = 1,
        Perishable = 2,
        Hazardous = 4,
    }

    [XmlType(Namespace = Ns.Inventory)]
    public partial class Item
    {
        [XmlElement(Order = 0)]
        public string Name;

        // The first xs:choice: Sku | Barcode | Aliases (maxOccurs unbounded). Sku and Aliases are
        // both strings, hence the choice identifier.
        [XmlElement("Aliases", typeof(string), Order = 1)]
        [XmlElement("Barcode", typeof(long), Order = 1)]
        [XmlElement("Sku", typeof(string), Order = 1)]
        [XmlChoiceIdentifier("ItemsElementName")]
        public object[] Items;

        [XmlElement("ItemsElementName", Order = 2)]
        [XmlIgnore]
        public ItemsChoiceType[] ItemsElementName;

        [XmlElement(Order = 3)]
        public ItemFlags Flags;

        // xs:list of xs:double, and the union of xs:int and xs:string: strings.
        [XmlElement(Order = 4)]
        public string Size;

        [XmlElement(Order = 5)]
        public string Code;

        // A Discount or a type derived from it: XmlSerializer writes and reads xsi:type.
        [XmlElement(Order = 6)]
        public Discount Discount;

        // The second xs:choice (0..unbounded): Bin | Shelf, in order.
        [XmlElement("Bin", typeof(int), Order = 7)]
        [XmlElement("Shelf", typeof(string), Order = 7)]
        public object[] Items1;

        [XmlAttribute]
        public ItemFlags grades;

        [XmlIgnore]
        public bool gradesSpecified;
    }

    [XmlInclude(typeof(PercentDiscount))]
    [XmlInclude(typeof(SeasonalDiscount))]
    [XmlType(Namespace = Ns.Inventory)]
    public partial class Discount
    {
        [XmlElement(Order = 0)]
        public string Reason;
    }

    [XmlType(Namespace = Ns.Inventory)]
    public partial class PercentDiscount : Discount
    {
        [XmlElement(Order = 1)]
        public double Percent;
    }

    [XmlType(Namespace = Ns.Inventory)]
    public partial class SeasonalDiscount : PercentDiscount
    {
        [XmlElement(Order = 2)]
        public string Season;
    }

    [XmlType(Namespace = Ns.Inventory, IncludeInSchema = false)]
    public enum ItemsChoiceType
    {
        Aliases,
        Barcode,
        Sku,
    }

    /// <summary>The FindItems element: an optional choice, so svcutil keeps it as one type.</summary>
    [XmlType(AnonymousType = true, Namespace = Ns.Inventory)]
    public partial class FindItems
    {
        [XmlElement("ByFlags", typeof(ItemFlags), Order = 0)]
        [XmlElement("ByName", typeof(string), Order = 0)]
        public object Item;
    }

    // Mono: header values are written with DataContractSerializer (see the file comment, 1.), so
    // Tenant carries a data contract of the same shape beside its XmlSerializer mapping.
    [XmlType(AnonymousType = true, Namespace = Ns.Inventory)]
    [DataContract(Name = "Tenant", Namespace = Ns.Inventory)]
    public partial class Tenant
    {
        [XmlElement(Order = 0)]
        [DataMember(Order = 0, IsRequired = true)]
        public string Id;

        [XmlElement(Order = 1)]
        [DataMember(Order = 1, EmitDefaultValue = false)]
        public string Region;
    }

    [XmlType(AnonymousType = true, Namespace = Ns.Inventory)]
    public partial class Audit
    {
        [XmlElement(Order = 0)]
        public string Server;

        [XmlElement(Order = 1)]
        public int Items;

        [XmlElement(Order = 2)]
        public int Restocked;
    }

    // ---- the contracts ----

    [ServiceContract(Namespace = Ns.Inventory)]
    public interface IInventory
    {
        [OperationContract(Action = "http://soapws.example/inventory/IInventory/AddItem",
            ReplyAction = "http://soapws.example/inventory/IInventory/AddItemResponse")]
        [XmlSerializerFormat(SupportFaults = true)]
        AddItemResponse AddItem(AddItemRequest request);

        [OperationContract(Action = "http://soapws.example/inventory/IInventory/FindItems",
            ReplyAction = "http://soapws.example/inventory/IInventory/FindItemsResponse")]
        [XmlSerializerFormat(SupportFaults = true)]
        FindItemsResponse FindItems(FindItemsRequest request);

        [OperationContract(IsOneWay = true, Action = "http://soapws.example/inventory/IInventory/Restock")]
        [XmlSerializerFormat(SupportFaults = true)]
        void Restock(RestockRequest request);
    }

    [MessageContract(WrapperName = "AddItem", WrapperNamespace = Ns.Inventory, IsWrapped = true)]
    public partial class AddItemRequest
    {
        [MessageHeader(Namespace = Ns.Inventory)]
        public Tenant Tenant;

        [MessageHeader(Namespace = Ns.Inventory)]
        public string TraceId;

        [MessageBodyMember(Namespace = Ns.Inventory, Order = 0)]
        public Item Item;
    }

    [MessageContract(WrapperName = "AddItemResponse", WrapperNamespace = Ns.Inventory, IsWrapped = true)]
    public partial class AddItemResponse
    {
        [MessageBodyMember(Namespace = Ns.Inventory, Order = 0)]
        public int Id;
    }

    // The body's element has a choice for content, so it is not unwrapped: one body member.
    [MessageContract(IsWrapped = false)]
    public partial class FindItemsRequest
    {
        [MessageHeader(Namespace = Ns.Inventory)]
        public Tenant Tenant;

        [MessageHeader(Namespace = Ns.Inventory)]
        public string TraceId;

        [MessageBodyMember(Namespace = Ns.Inventory, Order = 0)]
        [XmlElement(Namespace = Ns.Inventory)] // Mono: see the file comment, 3.
        public FindItems FindItems;
    }

    [MessageContract(WrapperName = "FindItemsResponse", WrapperNamespace = Ns.Inventory, IsWrapped = true)]
    public partial class FindItemsResponse
    {
        [MessageHeader(Namespace = Ns.Inventory)]
        public Audit Audit;

        [MessageHeader(Namespace = Ns.Inventory)]
        public string TraceId;

        [MessageBodyMember(Namespace = Ns.Inventory, Order = 0)]
        [XmlElement("Item")]
        public Item[] Item;
    }

    [MessageContract(WrapperName = "Restock", WrapperNamespace = Ns.Inventory, IsWrapped = true)]
    public partial class RestockRequest
    {
        [MessageHeader(Namespace = Ns.Inventory)]
        public Tenant Tenant;

        [MessageBodyMember(Namespace = Ns.Inventory, Order = 0)]
        public int Id;

        [MessageBodyMember(Namespace = Ns.Inventory, Order = 1)]
        public int Quantity;
    }

    /// <summary>The rpc/literal contract: wrappers named after the operation, parts unqualified.</summary>
    [ServiceContract(Namespace = Ns.Inventory)]
    public interface IPricing
    {
        [OperationContract(Action = "http://soapws.example/inventory/IPricing/GetPrice", ReplyAction = "*")]
        [XmlSerializerFormat(Style = OperationFormatStyle.Rpc, SupportFaults = true)]
        GetPriceResponse GetPrice(GetPriceRequest request);
    }

    [MessageContract(WrapperName = "GetPrice", WrapperNamespace = Ns.Pricing, IsWrapped = true)]
    public partial class GetPriceRequest
    {
        [MessageBodyMember(Namespace = "", Order = 0)]
        [XmlElement(Form = XmlSchemaForm.Unqualified)] // Mono: see the file comment, 3.
        public string sku;

        [MessageBodyMember(Namespace = "", Order = 1)]
        [XmlElement(Form = XmlSchemaForm.Unqualified)]
        public int quantity;
    }

    [MessageContract(WrapperName = "GetPriceResponse", WrapperNamespace = Ns.Pricing, IsWrapped = true)]
    public partial class GetPriceResponse
    {
        [MessageBodyMember(Namespace = "", Order = 0)]
        [XmlElement(Form = XmlSchemaForm.Unqualified)]
        public double price;

        [MessageBodyMember(Namespace = "", Order = 1)]
        [XmlElement(Form = XmlSchemaForm.Unqualified)]
        public ItemFlags flags;
    }

    // ---- reply headers (Mono: see the file comment, 2.) ----

    /// <summary>Keeps the headers of the last reply on this thread; optionally logs messages.</summary>
    public sealed class ReplyHeaders : IEndpointBehavior, IClientMessageInspector
    {
        static readonly bool Log = Environment.GetEnvironmentVariable("SOAPWS_MESSAGE_LOG") == "1";

        [ThreadStatic] static MessageHeaders last;

        public static MessageHeaders Last { get { return last; } }

        /// <summary>Reads header name/ns of the last reply with XmlSerializer; default when absent.</summary>
        public static T Read<T>(string name, string ns)
        {
            MessageHeaders headers = last;
            if (headers == null)
                return default(T);
            int i = headers.FindHeader(name, ns);
            if (i < 0)
                return default(T);
            var serializer = new XmlSerializer(typeof(T), new XmlRootAttribute(name) { Namespace = ns });
            using (XmlDictionaryReader r = headers.GetReaderAtHeader(i))
                return (T)serializer.Deserialize(r);
        }

        public object BeforeSendRequest(ref Message request, IClientChannel channel)
        {
            last = null;
            if (Log)
            {
                MessageBuffer copy = request.CreateBufferedCopy(int.MaxValue);
                request = copy.CreateMessage();
                Console.Error.WriteLine("request: " + copy.CreateMessage());
            }
            return null;
        }

        public void AfterReceiveReply(ref Message reply, object correlationState)
        {
            last = new MessageHeaders(reply.Headers);
            if (Log)
            {
                MessageBuffer copy = reply.CreateBufferedCopy(int.MaxValue);
                reply = copy.CreateMessage();
                Console.Error.WriteLine("reply: " + copy.CreateMessage());
            }
        }

        public void AddBindingParameters(ServiceEndpoint endpoint, BindingParameterCollection parameters) { }

        public void ApplyClientBehavior(ServiceEndpoint endpoint, ClientRuntime runtime)
        {
            runtime.MessageInspectors.Add(this);
        }

        public void ApplyDispatchBehavior(ServiceEndpoint endpoint, EndpointDispatcher dispatcher) { }

        public void Validate(ServiceEndpoint endpoint) { }
    }

    public static class Program
    {
        public static int Main(string[] args)
        {
            return ClientHarness.Main("InventoryClients.exe", "<inventory|pricing>", args, (scenario, encoding, baseUrl) =>
            {
                switch (scenario)
                {
                    case "inventory": InventoryScenario(encoding, baseUrl); break;
                    case "pricing": PricingScenario(encoding, baseUrl); break;
                    default: throw new Failure("unknown scenario " + scenario);
                }
            });
        }

        /// <summary>A proxy of `url` whose replies keep their headers (see ReplyHeaders).</summary>
        static T Proxy<T>(string encoding, string url, out ChannelFactory<T> factory)
        {
            factory = new ChannelFactory<T>(MakeBinding(encoding), new EndpointAddress(url));
            factory.Endpoint.Behaviors.Add(new ReplyHeaders());
            return ClientHarness.Proxy(factory);
        }

        static Tenant TenantOf(string id)
        {
            return new Tenant { Id = id, Region = "eu" };
        }

        static Item Glass()
        {
            return new Item
            {
                Name = "glass",
                Items = new object[] { "G-1" },
                ItemsElementName = new[] { ItemsChoiceType.Sku },
                Flags = ItemFlags.Fragile | ItemFlags.Hazardous,
                Size = "0.5 1.25 30",
                Code = "A7",
                Discount = new SeasonalDiscount { Reason = "summer", Percent = 12.5, Season = "2026" },
                Items1 = new object[] { 3, "north", 4 },
                grades = ItemFlags.Fragile,
                gradesSpecified = true,
            };
        }

        static Item Crate()
        {
            return new Item
            {
                Name = "crate",
                Items = new object[] { 42L },
                ItemsElementName = new[] { ItemsChoiceType.Barcode },
                Flags = ItemFlags.Perishable,
            };
        }

        static string Describe(Item item)
        {
            var s = new StringBuilder(item.Name);
            if (item.Items != null)
                for (int i = 0; i < item.Items.Length; i++)
                    s.Append(' ').Append(item.ItemsElementName != null && i < item.ItemsElementName.Length
                        ? item.ItemsElementName[i].ToString() : "?").Append('=').Append(item.Items[i]);
            s.Append(" Flags=").Append(item.Flags.ToString().Replace(", ", "|"));
            if (item.Size != null)
                s.Append(" Size=").Append(item.Size);
            if (item.Code != null)
                s.Append(" Code=").Append(item.Code);
            var seasonal = item.Discount as SeasonalDiscount;
            if (seasonal != null)
                s.Append(" Discount=SeasonalDiscount(").Append(seasonal.Reason).Append(' ')
                    .Append(seasonal.Percent.ToString("R", System.Globalization.CultureInfo.InvariantCulture))
                    .Append(' ').Append(seasonal.Season).Append(')');
            else if (item.Discount != null)
                s.Append(" Discount=").Append(item.Discount.GetType().Name);
            if (item.Items1 != null)
                foreach (object place in item.Items1)
                    s.Append(place is int ? " Bin=" : " Shelf=").Append(place);
            if (item.gradesSpecified)
                s.Append(" grades=").Append(item.grades.ToString().Replace(", ", "|"));
            return s.ToString();
        }

        static bool reportedHeaderMembers;

        /// <summary>FindItems; the reply headers Mono leaves out are read from the reply.</summary>
        static FindItemsResponse Find(IInventory inventory, FindItemsRequest request)
        {
            FindItemsResponse found = inventory.FindItems(request);
            if (!reportedHeaderMembers)
            {
                reportedHeaderMembers = true;
                Console.WriteLine("info: Mono's formatter filled the reply's [MessageHeader] members: "
                    + (found.Audit != null || found.TraceId != null ? "yes" : "no"));
            }
            if (found.Audit == null)
                found.Audit = ReplyHeaders.Read<Audit>("Audit", Ns.Inventory);
            if (found.TraceId == null)
                found.TraceId = ReplyHeaders.Read<string>("TraceId", Ns.Inventory);
            return found;
        }

        static void InventoryScenario(string encoding, string baseUrl)
        {
            ChannelFactory<IInventory> factory;
            IInventory inventory = Proxy(encoding, baseUrl + "/inventory", out factory);
            // One server serves both encodings (and any rerun): one tenant per run.
            string tenant = "wcf " + encoding + " " + Guid.NewGuid().ToString("N");
            string trace = "trace-" + Guid.NewGuid().ToString("N");

            // 1. AddItem with the Tenant header.
            AddItemResponse added = inventory.AddItem(new AddItemRequest { Tenant = TenantOf(tenant), TraceId = trace, Item = Glass() });
            Check(added.Id == 1, "AddItem(glass) with a Tenant header = " + added.Id);
            added = inventory.AddItem(new AddItemRequest { Tenant = TenantOf(tenant), Item = Crate() });
            Check(added.Id == 2, "AddItem(crate) = " + added.Id);

            // 2. FindItems with both headers: the items, and the reply headers.
            FindItemsResponse found = Find(inventory, new FindItemsRequest
            {
                Tenant = TenantOf(tenant),
                TraceId = trace,
                FindItems = new FindItems(),
            });
            Item[] items = found.Item ?? new Item[0];
            Check(items.Length == 2, "FindItems() = " + items.Length + " items");
            string glass = Describe(items[0]), crate = Describe(items[1]);
            Check(glass == "glass Sku=G-1 Flags=Fragile|Hazardous Size=0.5 1.25 30 Code=A7 Discount=SeasonalDiscount(summer 12.5 2026) Bin=3 Shelf=north Bin=4 grades=Fragile",
                "item 1: " + glass);
            Check(crate == "crate Barcode=42 Flags=Perishable", "item 2: " + crate);
            Audit audit = found.Audit;
            Check(audit != null, "FindItems reply has the Audit header");
            Check(audit.Server == "soapws inventory" && audit.Items == 2 && audit.Restocked == 0,
                "Audit: Server = " + audit.Server + ", Items = " + audit.Items + ", Restocked = " + audit.Restocked);
            Check(found.TraceId == trace, "TraceId reply header echoes the request's");

            found = Find(inventory, new FindItemsRequest
            {
                Tenant = TenantOf(tenant),
                TraceId = trace,
                FindItems = new FindItems { Item = "crate" },
            });
            items = found.Item ?? new Item[0];
            Check(items.Length == 1 && items[0].Name == "crate", "FindItems(ByName = crate) = " + string.Join(", ", items.Select(i => i.Name).ToArray()));
            found = Find(inventory, new FindItemsRequest
            {
                Tenant = TenantOf(tenant),
                FindItems = new FindItems { Item = ItemFlags.Hazardous },
            });
            items = found.Item ?? new Item[0];
            Check(items.Length == 1 && items[0].Name == "glass", "FindItems(ByFlags = Hazardous) = " + string.Join(", ", items.Select(i => i.Name).ToArray()));

            // 3. One-way Restock with its header, twice; then FindItems sees both.
            //
            // Mono: ClientRuntimeChannel.CreateRequest gives every message a MessageID and a
            // ReplyTo when addressing is WS-Addressing 1.0, one-way messages included (.NET sends
            // one-way messages without them). The server tells one-way messages by the missing
            // MessageID and handles only those in order, so Mono's Restocks are handled like
            // requests: concurrently with each other and with the FindItems after them. Hence
            // FindItems is repeated (for up to 5 s) until both Restocks are counted.
            inventory.Restock(new RestockRequest { Tenant = TenantOf(tenant), Id = 1, Quantity = 5 });
            inventory.Restock(new RestockRequest { Tenant = TenantOf(tenant), Id = 1, Quantity = 7 });
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            int finds = 0;
            do
            {
                if (finds > 0)
                    System.Threading.Thread.Sleep(20);
                found = Find(inventory, new FindItemsRequest { Tenant = TenantOf(tenant), FindItems = new FindItems() });
                finds++;
            }
            while (found.Audit != null && found.Audit.Restocked < 12 && DateTime.UtcNow < deadline);
            Console.WriteLine("info: both Restocks counted after " + finds + " FindItems call(s)");
            Check(found.Audit != null && found.Audit.Restocked == 12,
                "Restock(5), Restock(7) one-way -> Audit.Restocked = " + (found.Audit == null ? "none" : found.Audit.Restocked.ToString()));

            // 4. No Tenant header: the service's fault.
            try
            {
                added = inventory.AddItem(new AddItemRequest { Item = Glass() });
                throw new Failure("AddItem without a Tenant header answered id " + added.Id);
            }
            catch (FaultException fault)
            {
                string reason = fault.Reason.ToString();
                Check(reason.Contains("Tenant header is required"), "AddItem without a Tenant header faults: " + reason);
                Check(fault.Code.IsSenderFault, "fault code is Sender");
            }
            Check(((IChannel)inventory).State == CommunicationState.Opened, "channel still open after the fault");
            ((IClientChannel)inventory).Close();
            factory.Close();
        }

        static void PricingScenario(string encoding, string baseUrl)
        {
            ChannelFactory<IPricing> factory;
            IPricing pricing = Proxy(encoding, baseUrl + "/pricing", out factory);
            GetPriceResponse price = pricing.GetPrice(new GetPriceRequest { sku = "glass-7", quantity = 4 });
            Check(price.price == 10.0 && price.flags == ItemFlags.Fragile,
                "GetPrice(glass-7, 4) = " + price.price.ToString("R") + ", " + price.flags);
            ((IClientChannel)pricing).Close();
            factory.Close();
        }
    }
}
