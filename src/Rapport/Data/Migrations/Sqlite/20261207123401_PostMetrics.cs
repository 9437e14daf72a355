using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rapport.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PostMetrics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "FollowerSnapshots",
                columns: table => new
                {
                    ChannelId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Followers = table.Column<long>(type: "INTEGER", nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Source = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_FollowerSnapshots", x => new { x.ChannelId, x.Day });
                });

            migrationBuilder.CreateTable(
                name: "PostMetricSnapshots",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PostId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ChannelId = table.Column<Guid>(type: "TEXT", nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Source = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Shares = table.Column<long>(type: "INTEGER", nullable: true),
                    Replies = table.Column<long>(type: "INTEGER", nullable: true),
                    Quotes = table.Column<long>(type: "INTEGER", nullable: true),
                    Saves = table.Column<long>(type: "INTEGER", nullable: true),
                    Clicks = table.Column<long>(type: "INTEGER", nullable: true),
                    Impressions = table.Column<long>(type: "INTEGER", nullable: true),
                    Reach = table.Column<long>(type: "INTEGER", nullable: true),
                    ReachOrganic = table.Column<long>(type: "INTEGER", nullable: true),
                    ReachViral = table.Column<long>(type: "INTEGER", nullable: true),
                    ReachPaid = table.Column<long>(type: "INTEGER", nullable: true),
                    Likes = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PostMetricSnapshots", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "PostPerformances",
                columns: table => new
                {
                    PostId = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ChannelId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ExternalId = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    PublishedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    NextFetchAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    MeasuredAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Source = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Deleted = table.Column<bool>(type: "INTEGER", nullable: false),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    LastErrorAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Shares = table.Column<long>(type: "INTEGER", nullable: true),
                    Replies = table.Column<long>(type: "INTEGER", nullable: true),
                    Quotes = table.Column<long>(type: "INTEGER", nullable: true),
                    Saves = table.Column<long>(type: "INTEGER", nullable: true),
                    Clicks = table.Column<long>(type: "INTEGER", nullable: true),
                    Impressions = table.Column<long>(type: "INTEGER", nullable: true),
                    Reach = table.Column<long>(type: "INTEGER", nullable: true),
                    ReachOrganic = table.Column<long>(type: "INTEGER", nullable: true),
                    ReachViral = table.Column<long>(type: "INTEGER", nullable: true),
                    ReachPaid = table.Column<long>(type: "INTEGER", nullable: true),
                    Likes = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PostPerformances", x => x.PostId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_FollowerSnapshots_WorkspaceId_Day",
                table: "FollowerSnapshots",
                columns: new[] { "WorkspaceId", "Day" });

            migrationBuilder.CreateIndex(
                name: "IX_PostMetricSnapshots_PostId_At",
                table: "PostMetricSnapshots",
                columns: new[] { "PostId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_PostPerformances_ChannelId_ExternalId",
                table: "PostPerformances",
                columns: new[] { "ChannelId", "ExternalId" });

            migrationBuilder.CreateIndex(
                name: "IX_PostPerformances_NextFetchAt",
                table: "PostPerformances",
                column: "NextFetchAt");

            migrationBuilder.CreateIndex(
                name: "IX_PostPerformances_WorkspaceId_PublishedAt",
                table: "PostPerformances",
                columns: new[] { "WorkspaceId", "PublishedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "FollowerSnapshots");

            migrationBuilder.DropTable(
                name: "PostMetricSnapshots");

            migrationBuilder.DropTable(
                name: "PostPerformances");
        }
    }
}
