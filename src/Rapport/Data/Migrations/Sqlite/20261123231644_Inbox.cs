using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rapport.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Inbox : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "InboxDueAt",
                table: "Conversations",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.AddColumn<int>(
                name: "InboxRank",
                table: "Conversations",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "Intent",
                table: "Conversations",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Urgency",
                table: "Conversations",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateIndex(
                name: "IX_Conversations_Inbox",
                table: "Conversations",
                columns: new[] { "WorkspaceId", "IsNoise", "InboxRank", "InboxDueAt", "Id" },
                descending: new[] { false, false, true, false, false });

            migrationBuilder.CreateIndex(
                name: "IX_Conversations_Inbox_Assignee",
                table: "Conversations",
                columns: new[] { "WorkspaceId", "AssigneeId", "IsNoise", "InboxRank", "InboxDueAt", "Id" },
                descending: new[] { false, false, false, true, false, false });

            migrationBuilder.CreateIndex(
                name: "IX_Conversations_Inbox_Team",
                table: "Conversations",
                columns: new[] { "WorkspaceId", "TeamId", "IsNoise", "InboxRank", "InboxDueAt", "Id" },
                descending: new[] { false, false, false, true, false, false });

            // Full-text search over message text: raw SQL kept in one class (docs/decisions/0030-inbox-rank.md).
            foreach (var sql in Conversations.Inbox.FullTextSearch.SqliteUp)
            {
                migrationBuilder.Sql(sql);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var sql in Conversations.Inbox.FullTextSearch.SqliteDown)
            {
                migrationBuilder.Sql(sql);
            }

            migrationBuilder.DropIndex(
                name: "IX_Conversations_Inbox",
                table: "Conversations");

            migrationBuilder.DropIndex(
                name: "IX_Conversations_Inbox_Assignee",
                table: "Conversations");

            migrationBuilder.DropIndex(
                name: "IX_Conversations_Inbox_Team",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "InboxDueAt",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "InboxRank",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "Intent",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "Urgency",
                table: "Conversations");
        }
    }
}
