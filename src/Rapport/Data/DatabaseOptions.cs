using System.ComponentModel.DataAnnotations;

namespace Rapport.Data;

/// <summary>Where Rapport keeps its data. Bound from the "Rapport" configuration section.</summary>
public sealed class RapportOptions
{
    public const string Section = "Rapport";

    /// <summary>Folder for the SQLite database, models and other files. Default: ./data.</summary>
    [Required]
    public string DataFolder { get; set; } = "data";

    /// <summary>
    /// A PostgreSQL connection string. When empty, Rapport uses the embedded SQLite database in
    /// <see cref="DataFolder"/>. Also read from ConnectionStrings:Postgres.
    /// </summary>
    public string? Postgres { get; set; }

    /// <summary>Largest request body accepted by the API, in bytes. Default: 1 MiB.</summary>
    [Range(1024, 1024L * 1024 * 1024)]
    public long MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest file imported from the interface or the API, in bytes. Default: 2 GiB (the CLI has no limit).</summary>
    [Range(1024, 1024L * 1024 * 1024 * 1024)]
    public long MaxImportBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Sign-in, setup and invitation attempts allowed per client address in <see cref="SignInWindow"/>. Default: 20.</summary>
    [Range(1, 10_000)]
    public int SignInAttempts { get; set; } = 20;

    /// <summary>The window of <see cref="SignInAttempts"/>. Default: one minute.</summary>
    public TimeSpan SignInWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often workspaces with new corrections get their model retrained. Default: daily, at <see cref="RetrainAt"/>;
    /// zero turns it off.
    /// </summary>
    public TimeSpan RetrainEvery { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The time of day (UTC) of the daily retraining. Default: 03:00.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "23:59:59")]
    public TimeSpan RetrainAt { get; set; } = TimeSpan.FromHours(3);

    /// <summary>Folds of the cross-validation that decides whether a retrained model replaces the current one.</summary>
    [Range(2, 20)]
    public int TrainingFolds { get; set; } = 5;

    /// <summary>Apply pending migrations at start. Default: on for SQLite; PostgreSQL uses `rapport migrate`.</summary>
    public bool? MigrateOnStart { get; set; }
}
