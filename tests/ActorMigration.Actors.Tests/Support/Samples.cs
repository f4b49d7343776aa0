using System.Collections;
using System.Collections.Immutable;
using System.Reflection;

namespace ActorMigration.Actors.Tests.Support;

/// <summary>Builds a filled-in instance of any record type, for round-trip tests.</summary>
public static class Samples
{
    public static object Create(Type t, string hint = "x", int depth = 0)
    {
        if (depth > 8) throw new InvalidOperationException($"too deep at {t}");
        var u = Nullable.GetUnderlyingType(t);
        if (u is not null) return Create(u, hint, depth);
        if (t == typeof(string)) return $"{hint}-value";
        if (t == typeof(int)) return 7 + hint.Length;
        if (t == typeof(long)) return 4_000_000_000L + hint.Length;
        if (t == typeof(bool)) return true;
        if (t == typeof(double)) return 1.5;
        if (t == typeof(DateTimeOffset)) return new DateTimeOffset(2026, 11, 26, 12, 0, hint.Length % 60, TimeSpan.Zero);
        if (t == typeof(TimeSpan)) return TimeSpan.FromMilliseconds(250);
        if (t == typeof(Guid)) return Guid.Parse("6e0f3e51-1e8c-4a6a-a7f3-0a3c7f5e8b1d");
        if (t == typeof(object)) return $"{hint}-object";
        if (t.IsEnum) return Enum.GetValues(t).Cast<object>().Last();
        if (t.IsGenericType)
        {
            var def = t.GetGenericTypeDefinition();
            var args = t.GetGenericArguments();
            if (def == typeof(IReadOnlyList<>) || def == typeof(List<>) || def == typeof(IList<>) || def == typeof(IEnumerable<>)
                || def == typeof(IReadOnlyCollection<>))
            {
                var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(args[0]))!;
                list.Add(Create(args[0], hint + "0", depth + 1));
                list.Add(Create(args[0], hint + "01", depth + 1));
                return list;
            }
            if (def == typeof(IReadOnlyDictionary<,>) || def == typeof(Dictionary<,>) || def == typeof(IDictionary<,>))
            {
                var d = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(args))!;
                d.Add(Create(args[0], hint + "k", depth + 1), Create(args[1], hint + "v", depth + 1));
                return d;
            }
            if (def == typeof(ImmutableList<>))
                return typeof(ImmutableList).GetMethods().First(m => m.Name == "Create" && m.GetParameters().Length == 1
                    && !m.GetParameters()[0].ParameterType.IsArray)
                    .MakeGenericMethod(args[0]).Invoke(null, [Create(args[0], hint + "i", depth + 1)])!;
            if (def == typeof(ImmutableHashSet<>))
                return typeof(ImmutableHashSet).GetMethods().First(m => m.Name == "Create" && m.GetParameters().Length == 1
                    && !m.GetParameters()[0].ParameterType.IsArray && m.GetParameters()[0].ParameterType.IsGenericParameter)
                    .MakeGenericMethod(args[0]).Invoke(null, [Create(args[0], hint + "h", depth + 1)])!;
            if (def == typeof(ImmutableSortedSet<>))
                return typeof(ImmutableSortedSet).GetMethods().First(m => m.Name == "Create" && m.GetParameters().Length == 1
                    && !m.GetParameters()[0].ParameterType.IsArray && m.GetParameters()[0].ParameterType.IsGenericParameter)
                    .MakeGenericMethod(args[0]).Invoke(null, [Create(args[0], hint + "s", depth + 1)])!;
            if (def == typeof(ImmutableSortedDictionary<,>))
            {
                var empty = typeof(ImmutableSortedDictionary).GetMethods().First(m => m.Name == "Create" && m.GetParameters().Length == 0)
                    .MakeGenericMethod(args).Invoke(null, null)!;
                return t.GetMethod("Add")!.Invoke(empty, [Create(args[0], hint + "k", depth + 1), Create(args[1], hint + "v", depth + 1)])!;
            }
            if (def == typeof(ImmutableDictionary<,>))
            {
                var empty = typeof(ImmutableDictionary).GetMethods().First(m => m.Name == "Create" && m.GetParameters().Length == 0)
                    .MakeGenericMethod(args).Invoke(null, null)!;
                return t.GetMethod("Add")!.Invoke(empty, [Create(args[0], hint + "k", depth + 1), Create(args[1], hint + "v", depth + 1)])!;
            }
        }
        // A record: call its widest public constructor.
        var ctor = t.GetConstructors(BindingFlags.Public | BindingFlags.Instance).OrderByDescending(c => c.GetParameters().Length).First();
        var ps = ctor.GetParameters().Select(p => Create(p.ParameterType, p.Name ?? hint, depth + 1)).ToArray();
        return ctor.Invoke(ps);
    }
}
