using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ActorMigration.Cli;

/// <summary>
/// Where the CLI writes. Data lines (log lines, JSON, UPIDs) go raw to the writer so they are
/// never wrapped or markup-parsed; tables and messages go through Spectre.
/// </summary>
public sealed class Output(IAnsiConsole console, IAnsiConsole error)
{
    public IAnsiConsole Console { get; } = console;

    public void Line(string text) => Console.Profile.Out.Writer.WriteLine(text);

    public void Json(JsonElement data) => Line(Api.Json.Format(data));

    public void Json(IEnumerable<JsonElement> items) => Json(JsonSerializer.SerializeToElement(items.ToList()));

    public void Write(IRenderable renderable) => Console.Write(renderable);

    public void Note(string text) => Console.MarkupLine($"[grey]{Markup.Escape(text)}[/]");

    public void Error(string text) => error.MarkupLine($"[red]error:[/] {Markup.Escape(text)}");

    public void ErrorDetail(string text) => error.MarkupLine($"  {Markup.Escape(text)}");

    public void Warn(string text) => error.MarkupLine($"[yellow]warning:[/] {Markup.Escape(text)}");

    /// <summary>A table whose cells are plain text (no markup interpretation).</summary>
    public static Table Table(params string[] headers)
    {
        var t = new Table().Border(TableBorder.Rounded);
        foreach (var h in headers) t.AddColumn(new TableColumn(new Text(h, new Style(decoration: Decoration.Bold))));
        return t;
    }

    public static void Row(Table table, params string[] cells) =>
        table.AddRow(cells.Select(c => (IRenderable)new Text(c)).ToArray());
}
