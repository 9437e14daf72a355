using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rapport.Data.Migrations.Postgres
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
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Figure = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    ChannelId = table.Column<Guid>(type: "uuid", nullable: false),
                    LinkId = table.Column<Guid>(type: "uuid", nullable: false),
                    Count = table.Column<long>(type: "bigint", nullable: false)
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
                    TopicId = table.Column<Guid>(type: "uuid", nullable: false),
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    Sentiment = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Count = table.Column<long>(type: "bigint", nullable: false)
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
                name: "IX_ReportingEvents_WorkspaceId_Name_StartedAt_ChannelId_Value_~",
                table: "ReportingEvents",
                columns: new[] { "WorkspaceId", "Name", "StartedAt", "ChannelId", "Value", "ConversationId" });

            // The daily roll-ups are kept by triggers on the rows they count (decision 0077); what is stored already is rolled up once here.
            migrationBuilder.Sql(Rapport.Reports.OutcomeRollupSql.PostgresCreate);
            migrationBuilder.Sql(Rapport.Reports.OutcomeRollupSql.Backfill(postgres: true));
            migrationBuilder.Sql(Rapport.Listening.TopicRollupSql.PostgresCreate);
            migrationBuilder.Sql(Rapport.Listening.TopicRollupSql.Backfill(postgres: true));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Rapport.Reports.OutcomeRollupSql.PostgresDrop);
            migrationBuilder.Sql(Rapport.Listening.TopicRollupSql.PostgresDrop);
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
                name: "IX_ReportingEvents_WorkspaceId_Name_StartedAt_ChannelId_Value_~",
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
