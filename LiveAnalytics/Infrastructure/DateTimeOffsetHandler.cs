using System.Data;
using Dapper;

namespace LiveAnalytics.Infrastructure;

/// <summary>
/// Npgsql reads timestamptz as a UTC DateTime and writes only UTC DateTimeOffsets; this lets
/// records use DateTimeOffset with Dapper in both directions.
/// </summary>
internal sealed class DateTimeOffsetHandler : SqlMapper.TypeHandler<DateTimeOffset>
{
    public static void Register() => SqlMapper.AddTypeHandler(new DateTimeOffsetHandler());

    public override void SetValue(IDbDataParameter parameter, DateTimeOffset value) => parameter.Value = value.ToUniversalTime();

    public override DateTimeOffset Parse(object value) => value switch
    {
        DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
        DateTimeOffset dto => dto,
        _ => throw new DataException($"Cannot read {value.GetType()} as DateTimeOffset."),
    };
}
