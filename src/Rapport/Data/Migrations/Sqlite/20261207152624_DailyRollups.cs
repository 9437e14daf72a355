using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rapport.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DailyRollups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ReportingEvents_ConversationId_Name",
                table: "ReportingEvents");

            migrationBuilder.DropIndex(
                name: "IX_ReportingEvents_WorkspaceId_Name_EndedAt",
                table: "ReportingEvents");

            migrationBuilder.DropIndex(
                name: "IX_ReportingEvents_WorkspaceId_Name_StartedAt",
                table: "ReportingEvents");

            migrationBuilder.CreateTable(
                name: "OutcomeDays",
                columns: table => new
                {
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Figure = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    ChannelId = table.Column<Guid>(type: "TEXT", nullable: false),
                    LinkId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OutcomeDays", x => new { x.WorkspaceId, x.Figure, x.Day, x.ChannelId, x.LinkId });
                    table.ForeignKey(
                        name: "FK_OutcomeDays_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "TopicDays",
                columns: table => new
                {
                    TopicId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Sentiment = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TopicDays", x => new { x.TopicId, x.Day, x.Sentiment });
                    table.ForeignKey(
                        name: "FK_TopicDays_Topics_TopicId",
                        column: x => x.TopicId,
                        principalTable: "Topics",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ReportingEvents_ConversationId_Name_EndedAt_Value",
                table: "ReportingEvents",
                columns: new[] { "ConversationId", "Name", "EndedAt", "Value" });

            migrationBuilder.CreateIndex(
                name: "IX_ReportingEvents_WorkspaceId_Name_EndedAt_ChannelId_Value",
                table: "ReportingEvents",
                columns: new[] { "WorkspaceId", "Name", "EndedAt", "ChannelId", "Value" });

            migrationBuilder.CreateIndex(
                name: "IX_ReportingEvents_WorkspaceId_Name_StartedAt_ChannelId_Value_ConversationId",
                table: "ReportingEvents",
                columns: new[] { "WorkspaceId", "Name", "StartedAt", "ChannelId", "Value", "ConversationId" });

            // The daily roll-ups are kept by triggers on the rows they count (decision 0077); what is stored already is rolled up once here.
            migrationBuilder.Sql(Rapport.Reports.OutcomeRollupSql.SqliteCreate);
            migrationBuilder.Sql(Rapport.Reports.OutcomeRollupSql.Backfill(postgres: false));
            migrationBuilder.Sql(Rapport.Listening.TopicRollupSql.SqliteCreate);
            migrationBuilder.Sql(Rapport.Listening.TopicRollupSql.Backfill(postgres: false));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Rapport.Reports.OutcomeRollupSql.SqliteDrop);
            migrationBuilder.Sql(Rapport.Listening.TopicRollupSql.SqliteDrop);
            migrationBuilder.DropTable(
                name: "OutcomeDays");

            migrationBuilder.DropTable(
                name: "TopicDays");

            migrationBuilder.DropIndex(
                name: "IX_ReportingEvents_ConversationId_Name_EndedAt_Value",
                table: "ReportingEvents");

            migrationBuilder.DropIndex(
                name: "IX_ReportingEvents_WorkspaceId_Name_EndedAt_ChannelId_Value",
                table: "ReportingEvents");

            migrationBuilder.DropIndex(
                name: "IX_ReportingEvents_WorkspaceId_Name_StartedAt_ChannelId_Value_ConversationId",
                table: "ReportingEvents");

            migrationBuilder.CreateIndex(
                name: "IX_ReportingEvents_ConversationId_Name",
                table: "ReportingEvents",
                columns: new[] { "ConversationId", "Name" });

            migrationBuilder.CreateIndex(
                name: "IX_ReportingEvents_WorkspaceId_Name_EndedAt",
                table: "ReportingEvents",
                columns: new[] { "WorkspaceId", "Name", "EndedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ReportingEvents_WorkspaceId_Name_StartedAt",
                table: "ReportingEvents",
                columns: new[] { "WorkspaceId", "Name", "StartedAt" });
        }
    }
}
