using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Config;

/// <summary>A NIC value such as <c>virtio=BC:24:11:5A:3C:01,bridge=vmbr0</c>.</summary>
public sealed class NetSpec
{
    public static readonly string[] Models = ["e1000", "e1000e", "rtl8139", "virtio", "vmxnet3", "i82551", "i82557b", "i82559er", "ne2k_isa",
        "ne2k_pci", "pcnet"];
    private static readonly Regex NetKey = new(@"^net([0-9]|[12][0-9]|3[01])\z", RegexOptions.Compiled);
    private static readonly Regex MacRe = new(@"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}\z", RegexOptions.Compiled);

    public PropertyString Props { get; }
    public string Model { get; private set; }

    private NetSpec(PropertyString props, string model)
    {
        Props = props;
        Model = model;
    }

    public static bool IsNetKey(string key) => NetKey.IsMatch(key);

    public static NetSpec Parse(string value)
    {
        var ps = PropertyString.Parse(value, "model");
        // "virtio=MAC" form: the model is a key whose value is the MAC.
        foreach (var m in Models)
            if (ps[m] is { } mac)
            {
                ps.Set(m, null);
                ps["macaddr"] = mac;
                return new NetSpec(ps, m);
            }
        var model = ps["model"] ?? throw new FormatException("missing network model");
        ps.Set("model", null);
        return new NetSpec(ps, model);
    }

    public string? Mac
    {
        get => Props["macaddr"];
        set => Props["macaddr"] = value;
    }

    public static bool IsValidMac(string mac) => MacRe.IsMatch(mac);

    public override string ToString()
    {
        var rest = new PropertyString();
        foreach (var (k, v) in Props.Items)
            if (k != "macaddr") rest.Set(k, v);
        var head = Mac is null ? Model : $"{Model}={Mac}";
        var tail = rest.Print();
        return tail.Length == 0 ? head : $"{head},{tail}";
    }
}
