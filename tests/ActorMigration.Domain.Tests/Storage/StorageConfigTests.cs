using ActorMigration.Domain.Storage;

namespace ActorMigration.Domain.Tests.Storage;

public class StorageConfigTests
{
    // As the printer of this project writes it.
    private const string Canonical =
        "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup,images,import\n" +
        "\n" +
        "dir: fast\n\tpath /mnt/fast\n\tcontent images\n\tnodes node2,node3\n" +
        "\n" +
        "dir: nfs-shared\n\tpath /mnt/pve/nfs-shared\n\tcontent images,iso\n\tshared 1\n" +
        "\n" +
        "dir: per-node\n\tpath /srv/{node}/images\n\tcontent images\n";

    [Fact]
    public void Parses_storages_in_file_order()
    {
        var cfg = StorageConfig.Parse(Canonical);
        Assert.Equal(["local", "fast", "nfs-shared", "per-node"], cfg.Storages.Select(s => s.Id));
        var local = cfg.Get("local")!;
        Assert.Equal("dir", local.Type);
        Assert.Equal("/var/lib/vz", local.Path);
        Assert.Equal(["iso", "vztmpl", "backup", "images", "import"], local.Content);
        Assert.False(local.Shared);
        Assert.Null(local.Nodes);
        Assert.False(local.Disabled);
        Assert.True(cfg.Get("nfs-shared")!.Shared);
        Assert.Equal(["node2", "node3"], cfg.Get("fast")!.Nodes!);
        Assert.Null(cfg.Get("nope"));
    }

    [Fact]
    public void Print_then_parse_round_trips()
    {
        var cfg = StorageConfig.Parse(Canonical);
        Assert.Equal(Canonical, cfg.ToString());
        var again = StorageConfig.Parse(cfg.ToString());
        Assert.Equal(cfg.Storages.Select(s => (s.Id, s.Path, s.Shared, string.Join(",", s.Content), s.Nodes is null ? null : string.Join(",", s.Nodes))),
            again.Storages.Select(s => (s.Id, s.Path, s.Shared, string.Join(",", s.Content), s.Nodes is null ? null : string.Join(",", s.Nodes))));
    }

    [Fact]
    public void Nodes_restriction_and_disable_decide_availability()
    {
        var cfg = StorageConfig.Parse(Canonical + "\ndir: old\n\tpath /mnt/old\n\tcontent backup\n\tdisable 1\n");
        Assert.Equal(["local", "nfs-shared", "per-node"], cfg.On("node1").Select(s => s.Id));
        Assert.Equal(["local", "fast", "nfs-shared", "per-node"], cfg.On("node2").Select(s => s.Id));
        Assert.True(cfg.Get("fast")!.AvailableOn("node3"));
        Assert.False(cfg.Get("fast")!.AvailableOn("node1"));
        Assert.False(cfg.Get("fast")!.AvailableOn("Node2"));
        Assert.True(cfg.Get("old")!.Disabled);
        Assert.False(cfg.Get("old")!.AvailableOn("node1"));
    }

    [Fact]
    public void Node_placeholder_gives_a_per_node_path()
    {
        var cfg = StorageConfig.Parse(Canonical);
        Assert.Equal("/srv/node1/images", cfg.Get("per-node")!.PathOn("node1"));
        Assert.Equal("/srv/node2/images", cfg.Get("per-node")!.PathOn("node2"));
        Assert.Equal("/var/lib/vz", cfg.Get("local")!.PathOn("node2"));
    }

    [Fact]
    public void Content_defaults_to_images_and_lists_are_trimmed()
    {
        var cfg = StorageConfig.Parse("dir: a1\n    path /a\n\tnodes  n1 , n2,\n\tcontent images , iso\n\ndir: b2\n\tpath /b\n");
        Assert.Equal(["images", "iso"], cfg.Get("a1")!.Content);
        Assert.True(cfg.Get("a1")!.HasContent("iso"));
        Assert.False(cfg.Get("a1")!.HasContent("backup"));
        Assert.Equal(["n1", "n2"], cfg.Get("a1")!.Nodes!);
        Assert.Equal(["images"], cfg.Get("b2")!.Content);
    }

    [Fact]
    public void Comments_and_blank_lines_are_ignored()
    {
        var cfg = StorageConfig.Parse("# managed by ops\n\ndir: local\n\t# a comment\n\tpath /var/lib/vz\n\n\n");
        Assert.Equal("/var/lib/vz", Assert.Single(cfg.Storages).Path);
    }

    [Fact]
    public void Missing_path_is_refused()
    {
        var e = Assert.Throws<FormatException>(() => StorageConfig.Parse("dir: local\n\tcontent images\n"));
        Assert.Equal("storage 'local': missing property 'path'", e.Message);
    }

    [Fact]
    public void Unsupported_type_is_refused()
    {
        var e = Assert.Throws<FormatException>(() => StorageConfig.Parse("lvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n"));
        Assert.Equal("storage 'local-lvm': unsupported type 'lvmthin'", e.Message);
    }

    [Fact]
    public void Duplicate_id_is_refused()
    {
        var e = Assert.Throws<FormatException>(() => StorageConfig.Parse("dir: local\n\tpath /a\n\ndir: local\n\tpath /b\n"));
        Assert.Equal("storage ID 'local' already defined", e.Message);
    }

    [Theory]
    [InlineData("dir: local\npath /a\n", 2, "path /a")]
    [InlineData("\tpath /a\n", 1, "\tpath /a")]
    [InlineData("dir: local\n\tpath /a\nnonsense here\n", 3, "nonsense here")]
    [InlineData("dir: 1bad\n\tpath /a\n", 1, "dir: 1bad")]
    public void Unparseable_lines_name_the_line(string text, int line, string content)
    {
        var e = Assert.Throws<FormatException>(() => StorageConfig.Parse(text));
        Assert.Equal($"storage.cfg: unable to parse line {line}: {content}", e.Message);
    }

    [Theory]
    [InlineData("local", true)]
    [InlineData("local-lvm", true)]
    [InlineData("nfs.shared_2", true)]
    [InlineData("ab", true)]
    [InlineData("a", false)]
    [InlineData("Local", false)]
    [InlineData("1local", false)]
    [InlineData("local-", false)]
    [InlineData("lo cal", false)]
    public void Storage_id_format(string id, bool ok) => Assert.Equal(ok, StorageConfig.StorageIdRe.IsMatch(id));

    // ---- Known bugs ----

    [Fact]
    public void Disable_flag_without_value_disables_the_storage()
    {
        // SectionConfig writes "\tdisable" (no value) and check_value turns a missing boolean value into 1.
        var cfg = StorageConfig.Parse("dir: old\n\tdisable\n\tpath /mnt/old\n\tcontent backup\n");
        Assert.True(cfg.Get("old")!.Disabled);
        Assert.False(cfg.Get("old")!.AvailableOn("node1"));
    }

    [Fact]
    public void A_storage_cfg_written_by_proxmox_round_trips()
    {
        // SectionConfig::write_config: "disable" right after the header, then the fixed "path", then the
        // optional properties sorted, every section followed by an empty line; unknown-to-us properties kept.
        const string text =
            "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\tprune-backups keep-all=1\n\tshared 0\n\n" +
            "dir: old\n\tdisable\n\tpath /mnt/old\n\tcontent images\n\tnodes node1\n\n";
        Assert.Equal(text, StorageConfig.Parse(text).ToString());
    }
}
