using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rapport.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ListeningDashboards : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_MentionTopics_TopicId_MentionCreatedAt",
                table: "MentionTopics");

            migrationBuilder.AddColumn<string>(
                name: "AuthorHandle",
                table: "MentionTopics",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<Guid>(
                name: "ChannelId",
                table: "MentionTopics",
                type: "TEXT",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<bool>(
                name: "IsNoise",
                table: "MentionTopics",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "Language",
                table: "MentionTopics",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Sentiment",
                table: "MentionTopics",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            // The links made before carry their mention's copies from now on (MentionTopic.NoiseOf: spam at 0.8 or more is noise).
            migrationBuilder.Sql("""
                UPDATE "MentionTopics" SET "Sentiment" = m."Sentiment", "Language" = m."Language", "ChannelId" = m."ChannelId", "AuthorHandle" = m."AuthorHandle", "IsNoise" = CASE WHEN m."Intent" = 'Spam' AND m."IntentConfidence" >= 0.8 THEN 1 ELSE 0 END FROM "Mentions" AS m WHERE m."Id" = "MentionTopics"."MentionId";
                """);

            migrationBuilder.CreateIndex(
                name: "IX_MentionTopics_Dashboard",
                table: "MentionTopics",
                columns: new[] { "TopicId", "MentionCreatedAt", "IsNoise", "Sentiment", "Language", "ChannelId", "AuthorHandle" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_MentionTopics_Dashboard",
                table: "MentionTopics");

            migrationBuilder.DropColumn(
                name: "AuthorHandle",
                table: "MentionTopics");

            migrationBuilder.DropColumn(
                name: "ChannelId",
                table: "MentionTopics");

            migrationBuilder.DropColumn(
                name: "IsNoise",
                table: "MentionTopics");

            migrationBuilder.DropColumn(
                name: "Language",
                table: "MentionTopics");

            migrationBuilder.DropColumn(
                name: "Sentiment",
                table: "MentionTopics");

            migrationBuilder.CreateIndex(
                name: "IX_MentionTopics_TopicId_MentionCreatedAt",
                table: "MentionTopics",
                columns: new[] { "TopicId", "MentionCreatedAt" });
        }
    }
}
