using System.Text.Json.Nodes;

namespace ActorMigration.Api.Tests.Compat.Shapes;

/// <summary>The shape notation finds what does not fit, and only that.</summary>
public sealed class ShapeTests
{
    [Theory]
    [InlineData("upid", "\"UPID:node1:0000ABCD:00000001:65000000:qmstart:100:root@pam:\"")]
    [InlineData("null", "null")]
    [InlineData("[{vmid:int, name:str?, tags:str?}]", "[{\"vmid\":100,\"name\":\"a\",\"extra\":true},{\"vmid\":101}]")]
    [InlineData("{*:{volid:str}}", "{\"scsi0\":{\"volid\":\"local:1\"}}")]
    [InlineData("{memory:str|int, on:bool}", "{\"memory\":\"512\",\"on\":1}")]
    [InlineData("{a:{}|null?}", "{}")]
    public void Fitting_answers_have_no_mismatch(string shape, string json) =>
        Assert.Empty(Shape.Parse(shape).Mismatches(JsonNode.Parse(json)));

    [Theory]
    [InlineData("upid", "\"100\"", "$: \"100\" is not upid")]
    [InlineData("[{vmid:int}]", "[{\"vmid\":\"100\"}]", "$[0].vmid: \"100\" is not int")]
    [InlineData("{vmid:int, name:str}", "{\"vmid\":1}", "$: no field 'name'")]
    [InlineData("{on:bool}", "{\"on\":true}", "$.on: true is not bool")]
    [InlineData("{on:bool}", "{\"on\":2}", "$.on: 2 is not bool")]
    [InlineData("{*:str}", "{\"a\":1}", "$.a: 1 is not str")]
    [InlineData("[str]", "{}", "$: {} is not a list")]
    [InlineData("str|int", "null", "$: null is not str|int")]
    public void A_misfit_is_named_with_its_path(string shape, string json, string mismatch) =>
        Assert.Equal([mismatch], Shape.Parse(shape).Mismatches(JsonNode.Parse(json)));

    [Theory]
    [InlineData("{a:int")]
    [InlineData("[int")]
    [InlineData("integer")]
    [InlineData("int x")]
    public void A_malformed_shape_is_refused(string shape) => Assert.Throws<FormatException>(() => Shape.Parse(shape));
}
