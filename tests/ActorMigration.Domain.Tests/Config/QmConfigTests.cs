using ActorMigration.Domain.Config;
using ActorMigration.Domain.Tests.Support;

namespace ActorMigration.Domain.Tests.Config;

public class QmConfigFixtureTests
{
    [Theory]
    [MemberData(nameof(QmFixtures.RoundTripData), MemberType = typeof(QmFixtures))]
    public void Parse_then_print_reproduces_the_file_exactly(string fixture)
    {
        var text = QmFixtures.Text(fixture);
        Assert.Equal(text, QmConfig.Parse(text).ToString());
    }

    [Theory]
    [MemberData(nameof(QmFixtures.RoundTripData), MemberType = typeof(QmFixtures))]
    public void Printing_twice_is_stable_and_clone_prints_the_same(string fixture)
    {
        var cfg = QmConfig.Parse(QmFixtures.Text(fixture));
        var clone = cfg.Clone();
        Assert.NotSame(cfg.Main, clone.Main);
        Assert.Equal(cfg.ToString(), clone.ToString());
        Assert.Equal(cfg.ToString(), QmConfig.Parse(cfg.ToString()).ToString());
    }

    [Theory]
    [MemberData(nameof(QmFixtures.RoundTripData), MemberType = typeof(QmFixtures))]
    public void Keys_are_printed_in_ordinal_order_in_every_section(string fixture)
    {
        var printed = QmConfig.Parse(QmFixtures.Text(fixture)).ToString();
        foreach (var section in printed.Split("\n\n"))
        {
            var keys = section.Split('\n')
                .Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith('['))
                .Select(l => l[..l.IndexOf(':')])
                .ToList();
            Assert.Equal(keys.OrderBy(k => k, StringComparer.Ordinal), keys);
        }
    }

    [Theory]
    [MemberData(nameof(QmFixtures.RoundTripData), MemberType = typeof(QmFixtures))]
    public void No_digest_is_stored_in_the_file(string fixture)
    {
        var cfg = QmConfig.Parse(QmFixtures.Text(fixture));
        Assert.False(cfg.Main.Has("digest"));
        Assert.DoesNotContain("digest:", cfg.ToString());
    }

    [Fact]
    public void Unicode_description_is_decoded_from_encode_text_escapes()
    {
        var cfg = QmConfig.Parse(QmFixtures.Text("100-web-unicode.conf"));
        Assert.Equal(
            "Debian 12 web server\n\nManaged by **Ansible**: do not edit by hand.\nOwner: Jürgen Müller — ops team 🚀\nTab\there, 日本語のメモ",
            cfg.Main.Description);
        Assert.Equal("web01", cfg["name"]);
        Assert.Equal("prod;web", cfg["tags"]);
        Assert.Equal("virtio=BC:24:11:5A:3C:01,bridge=vmbr0,firewall=1", cfg["net0"]);
        Assert.Equal(18, cfg.Main.Keys.Count());
        Assert.Null(cfg.Pending);
        Assert.Empty(cfg.Snapshots);
        Assert.Empty(cfg.Special);
    }

    [Fact]
    public void Description_is_printed_as_leading_comment_lines_with_encode_text_escaping()
    {
        var cfg = new QmConfig();
        cfg["name"] = "x";
        cfg["cores"] = "1";
        cfg.Main.Description = "Owner: Jürgen\n\nnull\0byte, DEL\x7f, tab\tand ~ { } # ! $ ; = 🚀";
        Assert.Equal(
            "#Owner%3A J%C3%BCrgen\n#\n#null%00byte, DEL%7F, tab%09and ~ { } # ! $ ; = %F0%9F%9A%80\ncores: 1\nname: x\n",
            cfg.ToString());
    }

    [Fact]
    public void Snapshot_sections_keep_parent_snaptime_vmstate_and_their_own_description()
    {
        var cfg = QmConfig.Parse(QmFixtures.Text("101-snapshots.conf"));
        Assert.Equal(["after-upgrade", "before-upgrade"], cfg.Snapshots.Select(s => s.Name));
        Assert.Equal("after-upgrade", cfg["parent"]);
        Assert.Equal("CI runner", cfg.Main.Description);

        var after = cfg.Snapshot("after-upgrade")!;
        Assert.Equal("before-upgrade", after["parent"]);
        Assert.Equal("1727120500", after["snaptime"]);
        Assert.Equal("local:101/vm-101-state-after-upgrade.raw", after["vmstate"]);
        Assert.Equal("pc-i440fx-8.1+pve0", after["runningmachine"]);
        Assert.Equal("Kernel 6.8 installed: reboot done", after.Description);

        var before = cfg.Snapshot("before-upgrade")!;
        Assert.Null(before["parent"]);
        Assert.Null(before.Description);
        Assert.Equal("2", before["cores"]);
        Assert.Equal("4", cfg["cores"]);
        Assert.Null(cfg.Snapshot("nope"));
    }

    [Fact]
    public void Pending_section_keeps_delete_and_its_description()
    {
        var cfg = QmConfig.Parse(QmFixtures.Text("102-pending.conf"));
        Assert.NotNull(cfg.Pending);
        Assert.Equal("!scsi1,net1", cfg.Pending!["delete"]);
        Assert.Equal("4", cfg.Pending["cores"]);
        Assert.Equal("8192", cfg.Pending["memory"]);
        Assert.Equal("Database server (resized)", cfg.Pending.Description);
        Assert.Null(cfg.Main.Description);
        Assert.Equal("2", cfg["cores"]);
        Assert.Equal(3, cfg.Pending.Keys.Count());
    }

    [Fact]
    public void Special_cloudinit_section_is_kept_apart_from_snapshots()
    {
        var cfg = QmConfig.Parse(QmFixtures.Text("103-cloudinit.conf"));
        Assert.Empty(cfg.Snapshots);
        var (name, ci) = Assert.Single(cfg.Special);
        Assert.Equal("special:cloudinit", name);
        Assert.Equal("debian", ci["ciuser"]);
        Assert.Equal("ip=192.0.2.50/24,gw=192.0.2.1", ci["ipconfig0"]);
        Assert.Null(ci["scsi0"]);
        Assert.Equal("socket", cfg["serial0"]);
        // sshkeys stay URI-encoded as Proxmox stores them
        Assert.StartsWith("ssh-ed25519%20AAAA", cfg["sshkeys"]);
    }

    [Fact]
    public void Template_lock_and_name_helpers()
    {
        var template = QmConfig.Parse(QmFixtures.Text("9000-template.conf"));
        Assert.True(template.IsTemplate);
        Assert.Null(template.Lock);
        Assert.Equal("debian12-template", template.Name(9000));

        var clone = QmConfig.Parse(QmFixtures.Text("104-linked-clone.conf"));
        Assert.False(clone.IsTemplate);
        Assert.Equal("migrate", clone.Lock);

        Assert.Equal("VM 123", QmConfig.Parse("cores: 1\n").Name(123));
        Assert.False(QmConfig.Parse("template: 0\n").IsTemplate);
    }

    [Fact]
    public void Args_keep_inner_whitespace_and_values_lose_surrounding_whitespace()
    {
        var cfg = QmConfig.Parse(QmFixtures.Text("105-windows-efi-tpm.conf"));
        Assert.Equal("-cpu host,hv_time,kvm=off  -smbios type=0,vendor=LENOVO", cfg["args"]);

        var trimmed = QmConfig.Parse("name:    spaced   \ncores:\t2\t\n");
        Assert.Equal("spaced", trimmed["name"]);
        Assert.Equal("2", trimmed["cores"]);
        Assert.Equal("cores: 2\nname: spaced\n", trimmed.ToString());
    }

    [Fact]
    public void Crlf_and_blank_lines_are_accepted()
    {
        var cfg = QmConfig.Parse("#hello\r\n\r\nname: a\r\n\r\n\r\ncores: 2\r\n");
        Assert.Equal("hello", cfg.Main.Description);
        Assert.Equal("#hello\ncores: 2\nname: a\n", cfg.ToString());
    }

    [Fact]
    public void Keys_set_in_any_order_are_printed_sorted_and_null_removes()
    {
        var cfg = new QmConfig();
        foreach (var k in new[] { "vmgenid", "net10", "net2", "agent", "scsi0", "scsihw", "net0", "boot" })
            cfg[k] = "v-" + k;
        cfg["agent"] = null;
        Assert.Equal(
            "boot: v-boot\nnet0: v-net0\nnet10: v-net10\nnet2: v-net2\nscsi0: v-scsi0\nscsihw: v-scsihw\nvmgenid: v-vmgenid\n",
            cfg.ToString());
        Assert.True(cfg.Main.Remove("boot"));
        Assert.False(cfg.Main.Remove("boot"));
        Assert.False(cfg.Main.Has("boot"));
    }

    [Fact]
    public void Sections_are_printed_pending_then_special_then_snapshots()
    {
        var cfg = new QmConfig();
        cfg["name"] = "a";
        var snap = new QmSection { ["snaptime"] = "1" };
        cfg.Snapshots.Add(("s1", snap));
        cfg.Special.Add(("special:cloudinit", new QmSection { ["ciuser"] = "u" }));
        cfg.Pending = new QmSection { ["cores"] = "4" };
        Assert.Equal(
            "name: a\n\n[PENDING]\ncores: 4\n\n[special:cloudinit]\nciuser: u\n\n[s1]\nsnaptime: 1\n",
            cfg.ToString());
    }

    [Fact]
    public void Section_clone_is_independent()
    {
        var s = new QmSection { Description = "d", ["a"] = "1" };
        var c = s.Clone();
        c["a"] = "2";
        c.Description = "e";
        Assert.Equal("1", s["a"]);
        Assert.Equal("d", s.Description);
    }

    [Theory]
    [InlineData("name: a\ncores: 2\nthis is garbage\n", 3, "this is garbage")]
    [InlineData("name: a\n\n\n Name: indented\n", 4, " Name: indented")]
    [InlineData("name: a\nMemory: 512\n", 2, "Memory: 512")]
    [InlineData("name: a\n[broken section\n", 2, "[broken section")]
    [InlineData("#desc\nname: a\n\n[snap1]\nsnaptime: 1\n1cores: 2\n", 6, "1cores: 2")]
    [InlineData("name: a\r\ncores 2\r\n", 2, "cores 2")]
    public void Parse_errors_name_the_line(string text, int line, string content)
    {
        var e = Assert.Throws<QmConfigFormatException>(() => QmConfig.ParseStrict(text));
        Assert.Equal($"vm config - unable to parse line {line}: {content}", e.Message);

        Assert.False(QmConfig.TryParse(text, out var cfg, out var error));
        Assert.Null(cfg);
        Assert.Equal(e.Message, error);

        // Reading a stored config skips the line, as parse_vm_config does, and names it.
        var read = QmConfig.Parse(text);
        Assert.Equal([e.Message], read.ParseErrors);
        Assert.Equal("a", read["name"]);
    }

    [Fact]
    public void TryParse_succeeds_on_valid_text()
    {
        Assert.True(QmConfig.TryParse("name: a\n", out var cfg, out var error));
        Assert.Null(error);
        Assert.Equal("a", cfg!["name"]);
    }

    [Fact]
    public void Special_sections_are_printed_sorted_by_name_like_write_vm_config()
    {
        var cfg = new QmConfig { ["name"] = "a" };
        cfg.Special.Add(("special:fleecing", new QmSection { ["fleecing-images"] = "x" }));
        cfg.Special.Add(("special:cloudinit", new QmSection { ["ciuser"] = "u" }));
        Assert.Equal("name: a\n\n[special:cloudinit]\nciuser: u\n\n[special:fleecing]\nfleecing-images: x\n", cfg.ToString());
    }

    [Fact]
    public void Description_key_is_the_description_for_get_has_and_remove()
    {
        var s = new QmSection { ["name"] = "a", ["description"] = "notes" };
        Assert.Equal("notes", s.Description);
        Assert.Equal("notes", s["description"]);
        Assert.True(s.Has("description"));
        Assert.DoesNotContain("description", s.Keys);
        Assert.True(s.Remove("description"));
        Assert.Null(s.Description);
        Assert.False(s.Has("description"));
        Assert.False(s.Remove("description"));
    }

    [Fact]
    public void Empty_description_is_kept_as_a_bare_comment_only_in_pending()
    {
        // generate_raw_config: '$raw .= "#\n" if $pending' for an empty description
        var cfg = QmConfig.Parse("#\nname: a\n\n[PENDING]\n#\ncores: 2\n");
        Assert.Equal("", cfg.Main.Description);
        Assert.Equal("", cfg.Pending!.Description);
        Assert.Equal("name: a\n\n[PENDING]\n#\ncores: 2\n", cfg.ToString());
        // Perl's split drops trailing empty lines when writing
        Assert.Equal("#a\nname: a\n", new QmConfig { ["name"] = "a", ["description"] = "a\n\n" }.ToString());
    }

    // ---- Known bugs (see report) ----

    [Fact]
    public void Percent_in_a_description_is_escaped_as_in_encode_text_since_fix_5486()
    {
        // PVE::Tools::encode_text escapes '%' too (pve-common "fix #5486"), otherwise "%41" in a note
        // comes back as "A" after a write/read cycle.
        var cfg = new QmConfig { ["name"] = "a" };
        cfg.Main.Description = "load < 5% and literal %41";
        Assert.Equal("#load < 5%25 and literal %2541\nname: a\n", cfg.ToString());
        Assert.Equal("load < 5% and literal %41", QmConfig.Parse(cfg.ToString()).Main.Description);
    }

    [Fact]
    public void Trailing_spaces_of_a_description_line_survive_a_round_trip()
    {
        // Markdown hard line breaks ("two trailing spaces") are common in VM notes. Proxmox reads '#(.*)$'
        // and strips trailing whitespace only at the end of the whole description.
        const string text = "#first line  \n#second\nname: a\n";
        var cfg = QmConfig.Parse(text);
        Assert.Equal("first line  \nsecond", cfg.Main.Description);
        Assert.Equal(text, cfg.ToString());
    }

    [Fact]
    public void Markdown_notes_fixture_round_trips()
    {
        var text = QmFixtures.Text("106-markdown-notes.conf");
        var cfg = QmConfig.Parse(text);
        Assert.Equal("## Notes\nBackup window: 02:00–04:00  \nKeep CPU steal < 5% (was 12%)\nContact: ops@example.org",
            cfg.Main.Description);
        Assert.Equal(text, cfg.ToString());
    }

    [Fact]
    public void Trailing_blank_description_lines_are_dropped_like_parse_vm_config()
    {
        // parse_vm_config: $descr =~ s/\s+$//
        var cfg = QmConfig.Parse("#a\n#\n#\nname: x\n");
        Assert.Equal("a", cfg.Main.Description);
        Assert.Equal("#a\nname: x\n", cfg.ToString());
    }

    [Fact]
    public void Setting_description_through_the_indexer_writes_comment_lines()
    {
        // EditVmConfig does cfg[key] = value for every option, description included.
        var cfg = new QmConfig { ["name"] = "a" };
        cfg["description"] = "line one\nline: two";
        var text = cfg.ToString();
        Assert.Equal("#line one\n#line%3A two\nname: a\n", text);
        Assert.Equal("line one\nline: two", QmConfig.Parse(text).Main.Description);
    }

    [Fact]
    public void Snapshot_sections_are_printed_sorted_by_name_like_write_vm_config()
    {
        var cfg = new QmConfig { ["name"] = "a" };
        cfg.Snapshots.Add(("zeta", new QmSection { ["snaptime"] = "2" }));
        cfg.Snapshots.Add(("alpha", new QmSection { ["snaptime"] = "1" }));
        Assert.Equal("name: a\n\n[alpha]\nsnaptime: 1\n\n[zeta]\nsnaptime: 2\n", cfg.ToString());
    }
}
